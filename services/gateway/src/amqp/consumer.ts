import type { Delivery, Broker } from './broker.ts';
import { transportUserOf } from './dead-letters.ts';
import { parseCompactJws } from '../crypto/jws.ts';
import { backoffMs, isPermanent } from '../domain/errors.ts';
import { safeText } from '../domain/input-limits.ts';
import { openBody, type OpenedBody } from '../crypto/jwe.ts';
import { quorumDeliveryLimit } from '../config/broker-names.ts';
import { InboundFailed, InboundRefused, receiveMessage, signalRefusal, type InboundDeps, type InboundStep } from '../pipeline/inbound.ts';
import type { DatabaseGate } from './database-gate.ts';

export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 10, firstDelayMs: 250, maxDelayMs: 30_000 };

/**
 * Feeds deliveries to the inbound pipeline and settles them: accepted → ack; refused (permanent,
 * see isPermanent in domain/errors.ts) → dead letter with its code, audit, then ack; anything else
 * → retry with backoff and jitter, and after the last attempt dead letter as `retries_exhausted`.
 * Nothing is acked before it is stored or kept.
 */
export class InboundConsumer {
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly deps: InboundDeps,
    private readonly broker: () => Broker,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
    private readonly gate?: DatabaseGate,
    /** Test-only: another step table (a node with one rule broken, test/conformance/). */
    private readonly steps?: readonly InboundStep[],
  ) {}

  private readonly conversationTails = new Map<string, Promise<void>>();

  /** Conversation look-ups in delivery order: each waits for its own delivery to decrypt. */
  private ordering: Promise<void> = Promise.resolve();

  /**
   * Deliveries run concurrently, except that messages of one conversation run one after another
   * in delivery order: a stay plan must not overtake the admission notice it follows. The
   * conversation is inside the encryption, so each delivery is opened on arrival (concurrently),
   * and queued behind its conversation in the order the deliveries came.
   */
  handle = (delivery: Delivery, ack: () => void): void => {
    const opened = openBody(() => this.deps.ownKeys.decryptionKeys(), delivery.content, this.deps.jose.decrypt);
    opened.catch(() => undefined); // a refusal is the pipeline's to report, when it awaits this
    const queued = this.ordering.then(async () => {
      const key = await conversationKey(opened);
      const previous = (key && this.conversationTails.get(key)) || Promise.resolve();
      const work = previous.then(() => this.settle(delivery, opened, ack)).catch((error) => {
        // Could not even dead-letter (broker gone): leave it unacked; the broker redelivers it.
        this.deps.log.error({ err: (error as Error).message, messageId: delivery.properties.messageId }, 'delivery left for redelivery');
      });
      this.track(work);
      if (key) this.conversationTails.set(key, work);
      void work.finally(() => {
        if (key && this.conversationTails.get(key) === work) this.conversationTails.delete(key);
      });
    });
    this.ordering = queued;
    this.track(queued);
  };

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async settle(delivery: Delivery, opened: Promise<OpenedBody>, ack: () => void): Promise<void> {
    const { deps } = this;
    const attempts = lastDelivery(delivery) ? 1 : this.retry.attempts;
    for (let attempt = 1; ; attempt++) {
      try {
        await receiveMessage(deps, { body: delivery.content, opened, userId: transportUserOf(delivery, this.broker().user) }, this.steps);
        ack();
        return;
      } catch (error) {
        if (error instanceof InboundRefused && isPermanent(error.refusal)) {
          if (!this.broker().isLive(delivery)) return;
          await this.refuse(delivery, error);
          ack();
          return;
        }
        // A retry loop ends with its channel (the broker redelivers); an outage waits, spending no attempt.
        if (!this.broker().isLive(delivery)) return;
        if (await this.gate?.outage()) {
          attempt--;
          if (this.stopping || !this.broker().isLive(delivery)) return;
          continue;
        }
        if (this.stopping) return; // unacked: redelivered to the next consumer
        if (attempt >= attempts) {
          await this.refuse(delivery, undefined, (error as Error).message, error instanceof InboundFailed ? error.envelope : undefined);
          ack();
          return;
        }
        const delay = backoffMs(attempt, this.retry);
        deps.metrics.retries.inc();
        deps.log.warn({ err: (error as Error).message, attempt, retryInMs: delay, amqpMessageId: delivery.properties.messageId }, 'inbound processing failed; retrying');
        await this.sleep(delay);
      }
    }
  }

  /** `verified`: the envelope of a message that failed only transiently after its signature verified. */
  private async refuse(delivery: Delivery, refused?: InboundRefused, transientError?: string, verified?: InboundRefused['envelope']): Promise<void> {
    const { deps } = this;
    const code = refused?.refusal.code ?? 'retries_exhausted';
    const detail = safeText(refused ? (refused.refusal.detail ?? refused.refusal.title) : `gave up after ${this.retry.attempts} attempts: ${transientError ?? 'unknown error'}`, 2000)!;
    const envelope = refused?.envelope ?? verified;
    await this.broker().deadLetter(delivery, code, detail);
    // An authentic sender hears of every dead letter (refusals signal in the pipeline itself); internals stay here.
    if (verified) {
      await signalRefusal(deps, verified, { code, detail: 'the recipient could not process it after repeated attempts; it is kept in its dead-letter queue for replay' }, deps.now())
        .catch((error) => deps.log.error({ messageId: verified.id, err: (error as Error).message }, 'error signal for a dead letter could not be queued'));
    }
    deps.metrics.refused.inc({ direction: 'in', code });
    deps.metrics.deadLettered.inc({ code });
    const facts = { messageId: envelope?.id, type: envelope?.type, from: envelope?.from, code };
    deps.log.warn(facts, 'inbound message refused and dead-lettered');
    try {
      await deps.audit.record({
        actor: refused?.authenticSender ? `node:${refused.authenticSender}` : 'unauthenticated',
        action: 'message.receive',
        outcome: 'refused',
        code,
        messageId: envelope?.id,
        detail: { type: envelope?.type, from: envelope?.from, transportMessageId: safeText(delivery.properties.messageId, 100), detail: detail.slice(0, 500), deadLettered: true },
      });
    } catch (error) {
      deps.log.error({ ...facts, err: (error as Error).message }, 'audit entry for a refusal could not be written');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  async drain(): Promise<void> {
    this.stopping = true;
    this.gate?.stop();
    for (const wake of [...this.sleepers]) wake();
    // A delivery still being opened adds its work when it is queued: wait until nothing is left.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * A quorum inbox returns a message on every crash or lost channel and sets it aside by itself after
 * `quorumDeliveryLimit` returns, without our code or the sender's error signal; one short of that,
 * the consumer settles it itself: one attempt, then dead letter and signal.
 */
function lastDelivery(delivery: Delivery): boolean {
  const count = Number(delivery.properties.headers?.['x-delivery-count'] ?? 0);
  return count >= quorumDeliveryLimit - 1;
}

/** The conversation a delivery claims, read without trusting it: only used for ordering. */
async function conversationKey(opened: Promise<OpenedBody>): Promise<string | undefined> {
  try {
    const id = parseCompactJws((await opened).jws).claims.conversationId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
