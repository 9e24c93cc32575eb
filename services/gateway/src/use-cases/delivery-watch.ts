import { messageLifetimeDays } from '../domain/envelope.ts';
import type { AwaitedMessage } from '../data/messages.ts';
import type { Parts } from '../parts.ts';
import { Periodic } from './periodic.ts';

type Deps = Pick<Parts, 'messages' | 'outbox' | 'contracts' | 'audit' | 'metrics' | 'log' | 'now' | 'events'>;

export interface UndeliveredReport {
  messageId: string;
  type: string;
  to: string;
  detail: string;
}

const minute = 60_000;
// The report must come while the message can still be delivered: a minute before it expires at the latest.
const latestMs = messageLifetimeDays * 24 * 60 * minute - minute;

/**
 * Non-delivery reports: an outbound message with no receipt or error signal within its type's
 * `deliverWithinMinutes` (contracts/) or the node's default becomes `undelivered` once, with why
 * (log warning, audit entry, metric; the console shows it). A receipt that comes later still makes
 * it `delivered` (data/messages.ts markDelivered).
 */
export class DeliveryWatch {
  private readonly periodic: Periodic;

  constructor(private readonly deps: Deps, private readonly defaultMinutes: number, intervalMs: number) {
    deps.metrics.sources.countUndelivered = () => deps.messages.countUndelivered();
    this.periodic = new Periodic(() => this.check(), intervalMs, (error) => deps.log.warn({ err: error.message }, 'delivery check failed'));
  }

  windowMs(type: string): number {
    return Math.min((this.deps.contracts.rule(type)?.deliverWithinMinutes ?? this.defaultMinutes) * minute, latestMs);
  }

  async check(): Promise<UndeliveredReport[]> {
    const { deps } = this;
    const now = deps.now();
    const shortest = Math.min(this.windowMs(''), ...[...deps.contracts.rules.keys()].map((type) => this.windowMs(type)));
    const candidates = await deps.messages.awaitingSince(new Date(now.getTime() - shortest));
    const reports: UndeliveredReport[] = [];
    for (const m of candidates) {
      if (now.getTime() - m.createdAt.getTime() < this.windowMs(m.type)) continue;
      const detail = await this.why(m, now);
      if (!(await deps.messages.markUndelivered(m.id, now, detail))) continue;
      deps.metrics.undelivered.inc({ type: m.type });
      deps.log.warn({ messageId: m.id, type: m.type, to: m.to, createdAt: m.createdAt.toISOString() }, 'message undelivered: no receipt or error signal in time');
      await deps.audit.record({ actor: 'delivery-watch', action: 'message.undelivered', outcome: 'done', messageId: m.id, detail: { type: m.type, to: m.to, reason: detail } });
      deps.events.emit('undelivered', m.id);
      reports.push({ messageId: m.id, type: m.type, to: m.to, detail });
    }
    return reports;
  }

  /** What the sender can tell: whether the broker ever took it, how many attempts failed and why. */
  private async why(m: AwaitedMessage, now: Date): Promise<string> {
    const waited = Math.round((now.getTime() - m.createdAt.getTime()) / minute);
    const sending = await this.deps.outbox.sendingOf(m.id);
    if (sending?.publishedAt) {
      return `no receipt or error signal ${waited} min after it was made; the broker took it at ${sending.publishedAt.toISOString()}: the recipient's node has not answered (down, or its queue is backed up)`;
    }
    const attempts = sending ? `${sending.attempts} failed attempt(s)${sending.lastError ? `, last error: ${sending.lastError}` : ''}` : 'no attempt recorded';
    return `not yet handed to the broker ${waited} min after it was made (${attempts})`;
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
