import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { InboundConsumer } from '../../services/gateway/src/amqp/consumer.ts';
import { inlineJose } from '../../services/gateway/src/crypto/jose-threads.ts';
import { quorumDeliveryLimit } from '../../services/gateway/src/config/broker-names.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { createMetrics } from '../../services/gateway/src/monitoring/metrics.ts';

/** A consumer whose only step verifies (sets the envelope) and then fails transiently, over a fake broker. */
async function settleOnce(deliveryCount: number) {
  let tries = 0;
  const deadLettered: string[] = [];
  const signals: { kind: string; code: unknown }[] = [];
  const envelope = newEnvelope({ type: 'street-sleeper.notice', from: '101', to: '165', payload: {} });
  const deps = {
    municipality: '165',
    ownKeys: { decryptionKeys: async () => undefined },
    jose: inlineJose,
    outbox: { enqueue: async (kind: string, e: { payload: { code: unknown } }) => void signals.push({ kind, code: e.payload.code }) },
    audit: { record: async () => undefined },
    metrics: createMetrics('165'),
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    nudgeRelay: () => undefined,
  } as unknown as ConstructorParameters<typeof InboundConsumer>[0];
  const broker = { isLive: () => true, user: undefined, deadLetter: async (_d: unknown, code: string) => void deadLettered.push(code) } as unknown as ReturnType<ConstructorParameters<typeof InboundConsumer>[1]>;
  const failing = (ctx: { envelope?: unknown }) => {
    tries++;
    ctx.envelope = envelope;
    throw new Error('a transient failure');
  };
  const consumer = new InboundConsumer(deps, () => broker, { attempts: 3, firstDelayMs: 1, maxDelayMs: 2 }, undefined, [failing as never]);
  let acked = false;
  consumer.handle({ content: Buffer.from('plain.jws.body'), properties: { headers: { 'x-delivery-count': deliveryCount }, messageId: envelope.id }, fields: {} } as never, () => (acked = true));
  await vi.waitFor(() => expect(deadLettered).toHaveLength(1), { timeout: 5000 });
  await consumer.drain();
  return { tries, deadLettered, signals, acked };
}

describe('the last delivery a quorum inbox allows', () => {
  it('when a message comes back one short of the delivery limit, then the consumer tries it once, dead-letters it itself and signals the sender', async () => {
    const settled = await settleOnce(quorumDeliveryLimit - 1);
    expect(settled).toEqual({ tries: 1, deadLettered: ['retries_exhausted'], signals: [{ kind: 'error', code: 'retries_exhausted' }], acked: true });
  });

  it('when it comes for the first time, then it gets the whole retry budget first', async () => {
    const settled = await settleOnce(0);
    expect(settled.tries).toBe(3);
    expect(settled.deadLettered).toEqual(['retries_exhausted']);
  });
});
