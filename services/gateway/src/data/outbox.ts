import type { Envelope } from '../domain/envelope.ts';
import type { Prisma } from './db.ts';

export type OutboxKind = 'message' | 'receipt' | 'error';

export interface OutboxItem {
  id: number;
  kind: OutboxKind;
  envelope: Envelope;
  attempts: number;
}

export class OutboxRepository {
  constructor(private readonly prisma: Prisma) {}

  async enqueue(kind: OutboxKind, envelope: Envelope): Promise<void> {
    await this.prisma.outboxEntry.create({ data: { kind, messageId: envelope.id, toCode: envelope.to, envelope: envelope as object } });
  }

  async pending(limit: number): Promise<OutboxItem[]> {
    const rows = await this.prisma.outboxEntry.findMany({ where: { publishedAt: null }, orderBy: { id: 'asc' }, take: limit });
    return rows.map((r) => ({ id: r.id, kind: r.kind as OutboxKind, envelope: r.envelope as unknown as Envelope, attempts: r.attempts }));
  }

  /** For the metrics: when the oldest unpublished envelope was queued. */
  async oldestPendingAt(): Promise<Date | null> {
    const row = await this.prisma.outboxEntry.findFirst({ where: { publishedAt: null }, orderBy: { id: 'asc' }, select: { createdAt: true } });
    return row?.createdAt ?? null;
  }

  /** How the sending of a message went so far: attempts, the last error, when the broker confirmed it. */
  async sendingOf(messageId: string): Promise<{ attempts: number; lastError: string | null; publishedAt: Date | null } | null> {
    const row = await this.prisma.outboxEntry.findFirst({ where: { messageId, kind: 'message' }, select: { attempts: true, lastError: true, publishedAt: true } });
    return row ?? null;
  }

  async countPending(): Promise<number> {
    return this.prisma.outboxEntry.count({ where: { publishedAt: null } });
  }

  /**
   * Published and confirmed by the broker: the outbox rows and their messages move on together.
   * A receipt's signed form is kept with the inbound message it answers (`answers`): the evidence
   * of what we acknowledged (use-cases/evidence.ts).
   */
  async markPublished(items: { id: number; messageId: string; kind: OutboxKind; jws: string; answers?: string }[], at: Date): Promise<void> {
    const messages = items.filter((i) => i.kind === 'message');
    const receipts = items.filter((i): i is typeof i & { answers: string } => i.kind === 'receipt' && i.answers !== undefined);
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        UPDATE "Message" AS m
        SET "receiptJws" = COALESCE(m."receiptJws", v.jws)
        FROM (SELECT unnest(${receipts.map((r) => r.answers)}::text[]) AS id, unnest(${receipts.map((r) => r.jws)}::text[]) AS jws) AS v
        WHERE m."id" = v.id AND m."direction" = 'in'`,
      this.prisma.outboxEntry.updateMany({ where: { id: { in: items.map((i) => i.id) } }, data: { publishedAt: at } }),
      // One statement for the whole batch. A receipt can overtake this update: then the status
      // stays delivered, and only the send time and the signed form fill in.
      this.prisma.$executeRaw`
        UPDATE "Message" AS m
        SET "sentAt" = COALESCE(m."sentAt", ${at}),
            "jws" = COALESCE(m."jws", v.jws),
            "status" = CASE WHEN m."status" = 'queued' THEN 'sent' ELSE m."status" END,
            "updatedAt" = ${at}
        FROM (SELECT unnest(${messages.map((m) => m.messageId)}::text[]) AS id, unnest(${messages.map((m) => m.jws)}::text[]) AS jws) AS v
        WHERE m."id" = v.id`,
    ]);
  }

  /** It could not be published (no queue for the recipient, no key to encrypt to): the message failed, not lost. */
  async markFailed(item: { id: number; messageId: string; kind: OutboxKind }, code: string, detail: string, at: Date): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.outboxEntry.update({ where: { id: item.id }, data: { publishedAt: at, lastError: code } }),
      this.prisma.message.updateMany({
        where: { id: item.messageId, status: 'queued' },
        data: { status: 'failed', failedAt: at, reasonCode: code, reasonDetail: detail },
      }),
    ]);
  }

  async recordAttemptFailure(ids: number[], error: string): Promise<void> {
    await this.prisma.outboxEntry.updateMany({ where: { id: { in: ids } }, data: { attempts: { increment: 1 }, lastError: error.slice(0, 500) } });
  }
}
