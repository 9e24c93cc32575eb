import type { SigningKey } from '../crypto/jws.ts';
import { isSignal } from '../domain/envelope.ts';
import { isPermanent, type Refusal, type RefusalCode } from '../domain/errors.ts';
import { routingKeyFor } from '../config/broker-names.ts';
import type { Parts } from '../parts.ts';
import type { Broker } from './broker.ts';

type OutboxItem = Awaited<ReturnType<Parts['outbox']['pending']>>[number];
type Deps = Pick<Parts, 'outbox' | 'ownKeys' | 'trust' | 'jose' | 'audit' | 'metrics' | 'log' | 'now'>;

/**
 * Outbox relay: signs queued envelopes (JWS ES256), encrypts every one but receipts and error
 * signals to the recipient's encryption key (JWE, crypto/jwe.ts), publishes them persistent with
 * publisher confirms, and marks them sent only after the broker confirmed. Rows stay in the outbox while
 * the broker is down, so a restart loses nothing. One batch at a time; while a batch's rows are
 * marked published, the next batch is already taken, sealed and published (the rows being marked
 * are left out of it), so the marking costs the relay no time of its own. The rows of a batch
 * whose marking fails are published again later: recipients recognise the duplicates by their id.
 */
export class OutboxRelay {
  private running = false;
  private again = false;
  private stopped = false;
  private idle?: Promise<void>;
  private poller?: NodeJS.Timeout;
  /** Published and confirmed, their rows still being marked: the next batch leaves them out. */
  private readonly marking = new Set<number>();
  private marked: Promise<void> = Promise.resolve();

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
    const items = await deps.outbox.pending(this.batchSize, [...this.marking]);
    deps.metrics.outboxPending.set(items.length === this.batchSize ? await deps.outbox.countPending() : items.length);
    if (items.length === 0) return 0;
    const signingKey = deps.ownKeys.signingKey(deps.now());
    const sealed = await Promise.all(items.map(async (item) => ({ item, ...(await this.seal(item, signingKey)) })));
    const signed: { item: OutboxItem; jws: string; body: string }[] = [];
    for (const s of sealed) {
      if ('refused' in s) await this.fail(s.item, s.refused.code, s.refused.detail ?? s.refused.title);
      else signed.push(s);
    }
    let results;
    try {
      results = await broker.publishBatch(signed.map(({ item, body }) => ({ routingKey: routingKeyFor(item.envelope.to), messageId: item.envelope.id, body })));
    } catch (error) {
      await deps.outbox.recordAttemptFailure(signed.map(({ item }) => item.id), (error as Error).message);
      throw error;
    }
    const now = deps.now();
    const routed = signed.filter((_, i) => results[i]!.routed);
    if (routed.length > 0) this.markPublished(routed, now);
    for (const [i, { item }] of signed.entries()) {
      if (results[i]!.routed) {
        deps.metrics.sent.inc({ kind: item.kind });
        continue;
      }
      await this.fail(item, 'recipient_unreachable', 'the broker has no queue bound for the recipient');
    }
    return items.length;
  }

  /** Marks the rows in the background, one batch after the other, while the next batch goes out. */
  private markPublished(routed: { item: OutboxItem; jws: string }[], at: Date): void {
    const { deps } = this;
    const ids = routed.map(({ item }) => item.id);
    for (const id of ids) this.marking.add(id);
    const rows = routed.map(({ item, jws }) => ({ id: item.id, messageId: item.envelope.id, kind: item.kind, jws, answers: item.envelope.inReplyTo }));
    this.marked = this.marked
      .then(() => deps.outbox.markPublished(rows, at))
      .catch((error: Error) => deps.log.warn({ err: error.message, rows: ids.length }, 'published envelopes not marked; they will be published again'))
      .finally(() => {
        for (const id of ids) this.marking.delete(id);
      });
  }

  /**
   * Signed, and encrypted to the recipient unless it is a receipt or error signal (they carry no
   * personal data and must stay readable by a sender that cannot decrypt yet). The signed JWS is
   * what the message keeps as its evidence; the JWE is only its wrapping on the broker.
   */
  private async seal(item: OutboxItem, signingKey: SigningKey): Promise<{ jws: string; body: string } | { refused: Refusal }> {
    const jws = await this.deps.jose.sign(signingKey, item.envelope);
    if (isSignal(item.envelope.type)) return { jws, body: jws };
    try {
      return { jws, body: await this.deps.jose.encrypt(await this.deps.trust.encryptionKeyFor(item.envelope.to), jws) };
    } catch (error) {
      if (isPermanent(error)) return { refused: error };
      throw error;
    }
  }

  /** It cannot go out (no queue, no key to encrypt to): the message failed, not lost. */
  private async fail(item: OutboxItem, code: RefusalCode | 'recipient_unreachable', detail: string): Promise<void> {
    const { deps } = this;
    await deps.outbox.markFailed({ id: item.id, messageId: item.envelope.id, kind: item.kind }, code, detail, deps.now());
    deps.log.warn({ messageId: item.envelope.id, to: item.envelope.to, kind: item.kind, code }, 'message could not be published; it failed');
    await deps.audit.record({ actor: 'relay', action: 'message.publish', outcome: 'failed', code, messageId: item.envelope.id, detail: { to: item.envelope.to, kind: item.kind } });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    await this.idle;
    await this.marked;
  }
}
