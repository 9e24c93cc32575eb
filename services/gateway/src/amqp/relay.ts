import { sign } from '../crypto/jws.ts';
import { routingKeyFor } from '../config/broker-names.ts';
import type { Parts } from '../parts.ts';
import type { Broker } from './broker.ts';

type Deps = Pick<Parts, 'outbox' | 'ownKeys' | 'audit' | 'metrics' | 'log' | 'now'>;

/**
 * Outbox relay: signs queued envelopes (JWS ES256), publishes them persistent with publisher
 * confirms, and marks them sent only after the broker confirmed. Rows stay in the outbox while
 * the broker is down, so a restart loses nothing. One batch at a time.
 */
export class OutboxRelay {
  private running = false;
  private again = false;
  private stopped = false;
  private idle?: Promise<void>;
  private poller?: NodeJS.Timeout;

  constructor(
    private readonly deps: Deps,
    private readonly broker: () => Broker,
    private readonly batchSize = 100,
    pollMs = 1000,
  ) {
    this.poller = setInterval(() => this.nudge(), pollMs);
    this.poller.unref();
  }

  nudge = (): void => {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.drain().finally(() => {
      this.running = false;
    });
  };

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let published = 0;
      try {
        published = await this.relayBatch();
      } catch (error) {
        this.deps.log.warn({ err: (error as Error).message }, 'outbox relay paused; will retry');
        return;
      }
      if (published === this.batchSize) this.again = true;
    } while (this.again && !this.stopped);
  }

  private async relayBatch(): Promise<number> {
    const { deps } = this;
    const broker = this.broker();
    if (!broker.isUp) return 0;
    const items = await deps.outbox.pending(this.batchSize);
    deps.metrics.outboxPending.set(items.length === this.batchSize ? await deps.outbox.countPending() : items.length);
    if (items.length === 0) return 0;
    const signingKey = deps.ownKeys.signingKey(deps.now());
    const signed = await Promise.all(items.map(async (item) => ({ item, jws: await sign(signingKey, item.envelope) })));
    let results;
    try {
      results = await broker.publishBatch(signed.map(({ item, jws }) => ({ routingKey: routingKeyFor(item.envelope.to), messageId: item.envelope.id, body: jws })));
    } catch (error) {
      await deps.outbox.recordAttemptFailure(items.map((i) => i.id), (error as Error).message);
      throw error;
    }
    const now = deps.now();
    const routed = signed.filter((_, i) => results[i]!.routed);
    if (routed.length > 0) {
      await deps.outbox.markPublished(routed.map(({ item, jws }) => ({ id: item.id, messageId: item.envelope.id, kind: item.kind, jws, answers: item.envelope.inReplyTo })), now);
    }
    for (const [i, { item }] of signed.entries()) {
      if (results[i]!.routed) {
        deps.metrics.sent.inc({ kind: item.kind });
        continue;
      }
      await deps.outbox.markUnroutable({ id: item.id, messageId: item.envelope.id, kind: item.kind }, now);
      deps.log.warn({ messageId: item.envelope.id, to: item.envelope.to, kind: item.kind }, 'no queue for the recipient; message failed');
      await deps.audit.record({ actor: 'relay', action: 'message.publish', outcome: 'failed', code: 'recipient_unreachable', messageId: item.envelope.id, detail: { to: item.envelope.to, kind: item.kind } });
    }
    return items.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    await this.idle;
  }
}
