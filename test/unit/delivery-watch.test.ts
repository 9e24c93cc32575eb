import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Contracts } from '../../services/gateway/src/domain/contracts.ts';
import { createMetrics } from '../../services/gateway/src/monitoring/metrics.ts';
import { DeliveryWatch } from '../../services/gateway/src/use-cases/delivery-watch.ts';

const madeAt = new Date('2026-12-01T09:00:00Z');

/** A watch over fake repositories: one message that never reached the broker. */
function watchWith(sending: { attempts: number; lastError: string | null; publishedAt: Date | null } | null, nowAt: Date) {
  const marked: { id: string; detail: string }[] = [];
  const deps = {
    messages: {
      awaitingSince: async (before: Date) => (madeAt < before ? [{ id: 'm1', type: 'street-sleeper.notice', to: '165', createdAt: madeAt, sentAt: null }] : []),
      markUndelivered: async (id: string, _at: Date, detail: string) => (marked.push({ id, detail }), true),
      countUndelivered: async () => marked.length,
    },
    outbox: { sendingOf: async () => sending },
    contracts: new Contracts(),
    audit: { record: async () => undefined },
    metrics: createMetrics('101'),
    log: pino({ level: 'silent' }),
    now: () => nowAt,
    events: new EventEmitter(),
  } as unknown as ConstructorParameters<typeof DeliveryWatch>[0];
  const watch = new DeliveryWatch(deps, 60, 3_600_000);
  watch.stop();
  return { watch, marked };
}

describe('the delivery watch says why a message is undelivered', () => {
  it('when the broker never took it, then the report names the failed attempts and the last error', async () => {
    const { watch, marked } = watchWith({ attempts: 3, lastError: 'broker unreachable', publishedAt: null }, new Date(madeAt.getTime() + 90 * 60_000));
    expect((await watch.check()).map((r) => r.messageId)).toEqual(['m1']);
    expect(marked[0]?.detail).toBe('not yet handed to the broker 90 min after it was made (3 failed attempt(s), last error: broker unreachable)');
  });

  it('when the window has not passed, then nothing is marked', async () => {
    const { watch, marked } = watchWith(null, new Date(madeAt.getTime() + 59 * 60_000));
    expect(await watch.check()).toEqual([]);
    expect(marked).toEqual([]);
  });
});
