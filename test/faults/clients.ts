// The fault run's API clients: each sends notices one after another, as an outreach app would.
export interface SendResult {
  /** Message ids answered 202. */
  accepted: string[];
  /** Answered with a final 4xx/5xx other than 503. */
  refused: number;
  /** The connection broke after the request went out: it may or may not have been stored. */
  unknown: number;
}

export interface SendOptions {
  url: () => string;
  token: string;
  count: number;
  concurrency: number;
  body: (i: number) => unknown;
  progress: { done: number };
  /** How long one notice is retried while the node answers 503 or does not listen. */
  retryForMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 503 (with Retry-After) and a refused connection (the node is restarting) mean "not stored": retry. */
async function sendOne(options: SendOptions, i: number, result: SendResult): Promise<void> {
  const until = Date.now() + (options.retryForMs ?? 180_000);
  for (;;) {
    try {
      const res = await fetch(`${options.url()}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(options.body(i)),
        signal: AbortSignal.timeout(60_000),
      });
      const answer = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
      if (res.status === 202 && answer.id) return void result.accepted.push(answer.id);
      if (res.status !== 503 || Date.now() > until) return void result.refused++;
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNREFUSED' || Date.now() > until) return void result.unknown++;
      await sleep(500);
    }
  }
}

export function sendNotices(options: SendOptions): { result: Promise<SendResult>; finished: boolean } {
  const result: SendResult = { accepted: [], refused: 0, unknown: 0 };
  let next = 0;
  const handle = { finished: false, result: Promise.resolve(result) };
  const client = async () => {
    while (next < options.count) {
      const i = next++;
      await sendOne(options, i, result);
      options.progress.done++;
    }
  };
  handle.result = Promise.all(Array.from({ length: options.concurrency }, client)).then(() => {
    handle.finished = true;
    return result;
  });
  return handle;
}
