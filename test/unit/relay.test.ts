import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OutboxRelay } from '../../services/gateway/src/amqp/relay.ts';
import { createMetrics } from '../../services/gateway/src/monitoring/metrics.ts';

interface Row {
  id: number;
  publishedAt?: Date;
}

/**
 * The relay over an outbox and a broker in memory: what it publishes, and marks that finish only
 * when the test says so (`finishMark`), or fail.
 */
function relayOver(rows: Row[], options: { failPublishes?: number; markAtOnce?: boolean } = {}) {
  const published: number[][] = [];
  const reads: number[][] = [];
  let failPublishes = options.failPublishes ?? 0;
  const marks: { ids: number[]; finish: (error?: Error) => void }[] = [];
  const envelope = (id: number) => ({ id: `m${id}`, type: 'street-sleeper.notice', from: '101', to: '165', conversationId: 'c1' });
  const outbox = {
    pending: async (limit: number, skip: readonly number[] = []) => {
      const found = rows.filter((r) => !r.publishedAt && !skip.includes(r.id)).slice(0, limit);
      reads.push(found.map((r) => r.id));
      return found.map((r) => ({ id: r.id, kind: 'message', envelope: envelope(r.id), attempts: 0 }));
    },
    recordAttemptFailure: async () => undefined,
    countPending: async () => rows.filter((r) => !r.publishedAt).length,
    markPublished: (items: { id: number }[], at: Date) =>
      new Promise<void>((resolve, reject) => {
        const ids = items.map((i) => i.id);
        marks.push({
          ids,
          finish: (error) => {
            if (error) return reject(error);
            for (const row of rows) if (ids.includes(row.id)) row.publishedAt = at;
            resolve();
          },
        });
        if (options.markAtOnce) marks.at(-1)!.finish();
      }),
  };
  const broker = {
    isUp: true,
    publishBatch: async (items: { messageId: string }[]) => {
      if (failPublishes-- > 0) throw new Error('broker went away');
      published.push(items.map((i) => Number(i.messageId.slice(1))));
      return items.map(() => ({ routed: true }));
    },
  };
  const deps = {
    outbox,
    ownKeys: { signingKey: () => ({ kid: '101-test' }) },
    trust: { encryptionKeyFor: async () => ({}) },
    jose: { sign: async () => 'jws', encrypt: async () => 'jwe' },
    audit: { record: async () => undefined },
    metrics: createMetrics('101'),
    log: pino({ level: 'silent' }),
    now: () => new Date('2026-12-01T09:00:00Z'),
  } as unknown as ConstructorParameters<typeof OutboxRelay>[0];
  const relay = new OutboxRelay(deps, () => broker as never, 100, 3_600_000);
  /** A store committed these rows and hands them over. */
  const commit = (...ids: number[]) => {
    rows.push(...ids.map((id) => ({ id })));
    relay.offer(ids.map((id) => ({ id, kind: 'message' as const, envelope: envelope(id) as never, attempts: 0 })));
  };
  return { relay, published, marks, reads, commit };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('the outbox relay marks published rows while the next batch goes out', () => {
  it('when a batch is still being marked, then the next batch publishes only the rows after it, and stop waits for the marks', async () => {
    const rows: Row[] = [{ id: 1 }, { id: 2 }];
    const { relay, published, marks } = relayOver(rows);
    relay.nudge();
    await until(() => marks.length === 1);
    rows.push({ id: 3 });
    relay.nudge();
    await until(() => published.length === 2);
    expect(published).toEqual([[1, 2], [3]]);
    // Marks run one after the other, in the order of their batches.
    expect(marks.map((m) => m.ids)).toEqual([[1, 2]]);

    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    marks[0]!.finish();
    await until(() => marks.length === 2);
    expect(marks[1]!.ids).toEqual([3]);
    expect(stopped).toBe(false);
    marks[1]!.finish();
    await stopping;
    expect(rows.every((r) => r.publishedAt)).toBe(true);
  });

  it('when marking fails, then those rows are published again', async () => {
    const rows: Row[] = [{ id: 1 }, { id: 2 }];
    const { relay, published, marks } = relayOver(rows);
    relay.nudge();
    await until(() => marks.length === 1);
    marks[0]!.finish(new Error('database went away'));
    await new Promise((r) => setTimeout(r, 20));
    relay.nudge();
    await until(() => marks.length === 2);
    expect(published).toEqual([[1, 2], [1, 2]]);
    marks[1]!.finish();
    await relay.stop();
    expect(rows.every((r) => r.publishedAt)).toBe(true);
  });
});

describe('the outbox relay takes the rows stores hand over, and reads the outbox only when it may hold others', () => {
  it('when it starts, then it reads the outbox once; rows handed over after that go out without a read', async () => {
    const rows: Row[] = [{ id: 1 }];
    const { relay, published, reads, commit } = relayOver(rows, { markAtOnce: true });
    commit(2); // handed over while the outbox was still unread: the read returns it, and it goes out once
    await until(() => published.length === 1);
    expect(published).toEqual([[1, 2]]);
    expect(reads).toEqual([[1, 2]]);
    commit(3);
    await until(() => published.length === 2);
    commit(4, 5);
    await until(() => published.length === 3);
    expect(published).toEqual([[1, 2], [3], [4, 5]]);
    expect(reads).toHaveLength(1);
    await relay.stop();
    expect(rows.every((r) => r.publishedAt)).toBe(true);
  });

  it('when someone else wrote a row and says so, then the outbox is read again', async () => {
    const rows: Row[] = [];
    const { relay, published, reads, commit } = relayOver(rows, { markAtOnce: true });
    relay.nudge();
    await until(() => reads.length === 1);
    rows.push({ id: 1 }); // an error signal, written without the group commit
    relay.nudge();
    await until(() => published.length === 1);
    commit(2);
    await until(() => published.length === 2);
    expect(published).toEqual([[1], [2]]);
    expect(reads).toEqual([[], [1]]);
    await relay.stop();
  });

  it('when publishing fails, then the rows handed over are read from the outbox again and go out once', async () => {
    const rows: Row[] = [];
    const { relay, published, reads, commit } = relayOver(rows, { failPublishes: 1, markAtOnce: true });
    relay.nudge();
    await until(() => reads.length === 1);
    commit(1, 2);
    await new Promise((r) => setTimeout(r, 20)); // the publish failed; the relay waits for its poll
    expect(published).toEqual([]);
    relay.nudge();
    await until(() => published.length === 1);
    expect(published).toEqual([[1, 2]]);
    expect(reads.at(-1)).toEqual([1, 2]);
    await relay.stop();
    expect(rows.every((r) => r.publishedAt)).toBe(true);
  });
});
