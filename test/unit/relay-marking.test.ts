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
function relayOver(rows: Row[]) {
  const published: number[][] = [];
  const marks: { ids: number[]; finish: (error?: Error) => void }[] = [];
  const envelope = (id: number) => ({ id: `m${id}`, type: 'street-sleeper.notice', from: '101', to: '165', conversationId: 'c1' });
  const outbox = {
    pending: async (limit: number, skip: readonly number[] = []) =>
      rows.filter((r) => !r.publishedAt && !skip.includes(r.id)).slice(0, limit).map((r) => ({ id: r.id, kind: 'message', envelope: envelope(r.id), attempts: 0 })),
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
      }),
  };
  const broker = {
    isUp: true,
    publishBatch: async (items: { messageId: string }[]) => {
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
  return { relay, published, marks };
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
