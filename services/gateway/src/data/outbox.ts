import type { Envelope } from '../domain/envelope.ts';
import type { Prisma } from './db.ts';
import { sqlOf, timestamp } from './sql.ts';

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

  /** The oldest unpublished envelopes, but for those in `skip` (published, not yet marked so). */
  async pending(limit: number, skip: readonly number[] = []): Promise<OutboxItem[]> {
    // Plain SQL (data/sql.ts): the relay asks this for every batch.
    const rows = await sqlOf(this.prisma).query<{ id: number; kind: string; envelope: unknown; attempts: number }>(
      `SELECT "id", "kind", "envelope", "attempts" FROM "OutboxEntry" WHERE "publishedAt" IS NULL AND NOT ("id" = ANY($2::int[])) ORDER BY "id" LIMIT $1`,
      [limit, skip],
    );
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
    // One statement, so one transaction without Prisma's (data/sql.ts); the rows each update touches are distinct.
    // A receipt can overtake this update: then the status stays delivered, and only the send time and the signed form fill in.
    await sqlOf(this.prisma).execute(
      `WITH answered AS (
         UPDATE "Message" AS m SET "receiptJws" = COALESCE(m."receiptJws", v.jws)
         FROM (SELECT unnest($1::text[]) AS id, unnest($2::text[]) AS jws) AS v
         WHERE m."id" = v.id AND m."direction" = 'in'),
       published AS (UPDATE "OutboxEntry" SET "publishedAt" = $5::timestamp WHERE "id" = ANY($3::int[]))
       UPDATE "Message" AS m
       SET "sentAt" = COALESCE(m."sentAt", $5::timestamp),
           "jws" = COALESCE(m."jws", v.jws),
           "status" = CASE WHEN m."status" = 'queued' THEN 'sent' ELSE m."status" END,
           "updatedAt" = $5::timestamp
       FROM (SELECT unnest($4::text[]) AS id, unnest($6::text[]) AS jws) AS v
       WHERE m."id" = v.id`,
      [receipts.map((r) => r.answers), receipts.map((r) => r.jws), items.map((i) => i.id), messages.map((m) => m.messageId), timestamp(at), messages.map((m) => m.jws)],
    );
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
