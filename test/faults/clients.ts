// The fault run's API clients: each sends notices one after another, as an outreach app would.
export interface SendResult {
  /** Message ids answered 202. */
  accepted: string[];
  /** Answered with a final 4xx/5xx other than 503. */
  refused: number;
  /** Not answered in time, or its key stayed "in progress" after a crash: it may or may not have been stored. */
  unknown: number;
}

export interface SendOptions {
  url: () => string;
  token: string;
  count: number;
  concurrency: number;
  body: (i: number) => unknown;
  progress: { done: number };
  /** Idempotency keys are `<keyPrefix>-<i>`. */
  keyPrefix: string;
  /** How long one notice is retried while the node answers 503 or does not listen. */
  retryForMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Each notice has its own Idempotency-Key, so a client may retry whatever happened: 503 (with
 * Retry-After), a refused connection (the node is restarting) or a connection broken midway. A key
 * still "in progress" after a crash (409) is retried for a while, then counted as unknown.
 */
async function sendOne(options: SendOptions, i: number, result: SendResult): Promise<void> {
  const until = Date.now() + (options.retryForMs ?? 180_000);
  let inProgressSince: number | undefined;
  for (;;) {
    try {
      const res = await fetch(`${options.url()}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', 'idempotency-key': `${options.keyPrefix}-${i}` },
        body: JSON.stringify(options.body(i)),
        signal: AbortSignal.timeout(60_000),
      });
      const answer = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
      if (res.status === 202 && answer.id) return void result.accepted.push(answer.id);
      if (res.status === 409 && answer.code === 'idempotency_in_progress') {
        inProgressSince ??= Date.now();
        if (Date.now() - inProgressSince > 30_000) return void result.unknown++;
        await sleep(1000);
        continue;
      }
      if (res.status !== 503 || Date.now() > until) return void result.refused++;
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    } catch {
      if (Date.now() > until) return void result.unknown++;
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
