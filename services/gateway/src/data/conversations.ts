import type { ConversationPlan, ConversationState } from '../domain/conversation.ts';
import type { Prisma, Tx } from './db.ts';
import { isUniqueViolation, json, sqlOf, timestamp } from './sql.ts';

export interface DeadlineRecord {
  conversationId: string;
  deadlineId: string;
  kind: string;
  title: string;
  reference: string;
  startOn: string;
  dueOn: string;
  metAt: Date | null;
  metOn: string | null;
  metByMessageId: string | null;
  cancelledAt: Date | null;
  alertedAt: Date | null;
}

export interface ConversationRecord extends ConversationState {
  restricted: boolean;
  createdAt: string;
  updatedAt: string;
}

const toConversation = (row: Awaited<ReturnType<Prisma['conversation']['findFirstOrThrow']>>): ConversationRecord => ({
  id: row.id,
  model: row.model,
  state: row.state,
  roles: row.roles as Record<string, string>,
  agreementId: row.agreementId,
  restricted: row.restricted,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const deadlineColumns = {
  conversationId: true, deadlineId: true, kind: true, title: true, reference: true, startOn: true, dueOn: true,
  metAt: true, metOn: true, metByMessageId: true, cancelledAt: true, alertedAt: true,
} as const;

/** The conversation moved on between planning a message and storing it: plan again. */
export class ConversationChanged extends Error {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} changed while a message was being stored`);
  }
}

/**
 * The deadlines a plan starts, meets or cancels, as one statement over a JSON list (plain SQL,
 * data/sql.ts): `$1` conversation, `$2` deadlines to start, `$3` ids met, `$4` day met, `$5`
 * message that met them, `$6` when, `$7` cancel the pending ones, `$8` now. The parts see one
 * snapshot, so a deadline started here is written as it ends up (met by this same message, or
 * cancelled by a message that closes the conversation), and one met here is not also cancelled.
 */
const deadlineChanges = `WITH started AS (
    INSERT INTO "Deadline" ("conversationId", "deadlineId", "kind", "title", "reference", "startOn", "dueOn", "metAt", "metOn", "metByMessageId", "cancelledAt", "createdAt")
    SELECT $1, d."deadlineId", d."kind", d."title", d."reference", d."startOn", d."dueOn",
      CASE WHEN d."deadlineId" = ANY($3::text[]) THEN $6::timestamp END,
      CASE WHEN d."deadlineId" = ANY($3::text[]) THEN $4 END,
      CASE WHEN d."deadlineId" = ANY($3::text[]) THEN $5 END,
      CASE WHEN $7::boolean AND NOT (d."deadlineId" = ANY($3::text[])) THEN $6::timestamp END,
      $8::timestamp
    FROM jsonb_to_recordset($2::jsonb) AS d("deadlineId" text, "kind" text, "title" text, "reference" text, "startOn" text, "dueOn" text)
    ON CONFLICT ("conversationId", "deadlineId") DO NOTHING),
  met AS (
    UPDATE "Deadline" SET "metAt" = $6::timestamp, "metOn" = $4, "metByMessageId" = $5
    WHERE "conversationId" = $1 AND "deadlineId" = ANY($3::text[]) AND "metAt" IS NULL AND "cancelledAt" IS NULL)
  UPDATE "Deadline" SET "cancelledAt" = $6::timestamp
  WHERE $7::boolean AND "conversationId" = $1 AND "metAt" IS NULL AND "cancelledAt" IS NULL AND NOT ("deadlineId" = ANY($3::text[]))`;

/** Applies a planned conversation change inside the transaction that stores its message. */
export async function applyPlan(tx: Tx, plan: ConversationPlan, messageId: string, at: Date): Promise<void> {
  const c = plan.conversation;
  // Plain SQL (data/sql.ts): every message moves its conversation.
  const sql = sqlOf(tx);
  const now = timestamp(new Date());
  if (plan.isNew) {
    try {
      await sql.execute(
        `INSERT INTO "Conversation" ("id", "model", "state", "roles", "agreementId", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4::jsonb, $5, $6::timestamp, $6::timestamp)`,
        [c.id, c.model, c.state, json(c.roles), c.agreementId ?? null, now],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConversationChanged(c.id);
      throw error;
    }
  } else {
    // Optimistic check: another message of this conversation may have been stored since planning.
    const count = await sql.execute(
      `UPDATE "Conversation" SET "state" = $3, "roles" = $4::jsonb, "agreementId" = $5, "updatedAt" = $6::timestamp WHERE "id" = $1 AND "state" = $2`,
      [c.id, plan.previousState!, c.state, json(c.roles), c.agreementId ?? null, now],
    );
    if (count === 0) throw new ConversationChanged(c.id);
  }
  if (plan.startDeadlines.length > 0 || plan.meetDeadlines.length > 0 || plan.cancelPending) {
    await sql.execute(deadlineChanges, [c.id, JSON.stringify(plan.startDeadlines), plan.meetDeadlines, plan.metOn, messageId, timestamp(at), plan.cancelPending, now]);
  }
}

export class ConversationRepository {
  constructor(private readonly prisma: Prisma) {}

  async find(id: string): Promise<ConversationRecord | null> {
    // Plain SQL (data/sql.ts): both pipelines plan every message against it.
    const [row] = await sqlOf(this.prisma).query<Parameters<typeof toConversation>[0]>(`SELECT * FROM "Conversation" WHERE "id" = $1`, [id]);
    return row ? toConversation(row) : null;
  }

  async restrict(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.prisma.conversation.updateMany({ where: { id: { in: ids } }, data: { restricted: true } });
  }

  async startedDeadlines(conversationId: string): Promise<Set<string>> {
    const rows = await sqlOf(this.prisma).query<{ deadlineId: string }>(`SELECT "deadlineId" FROM "Deadline" WHERE "conversationId" = $1`, [conversationId]);
    return new Set(rows.map((r) => r.deadlineId));
  }

  async list(filter: { model?: string; state?: string; limit: number }): Promise<ConversationRecord[]> {
    const rows = await this.prisma.conversation.findMany({
      where: { model: filter.model, state: filter.state },
      orderBy: { updatedAt: 'desc' },
      take: filter.limit,
    });
    return rows.map(toConversation);
  }

  async deadlines(where: { conversationId?: string; open?: boolean } = {}): Promise<DeadlineRecord[]> {
    return this.prisma.deadline.findMany({
      where: { conversationId: where.conversationId, ...(where.open ? { metAt: null, cancelledAt: null } : {}) },
      orderBy: [{ dueOn: 'asc' }, { id: 'asc' }],
      select: deadlineColumns,
    });
  }

  /** Not met, not cancelled, due before `today`, and not yet alerted. */
  async newlyOverdue(today: string): Promise<DeadlineRecord[]> {
    return this.prisma.deadline.findMany({
      where: { metAt: null, cancelledAt: null, alertedAt: null, dueOn: { lt: today } },
      orderBy: { dueOn: 'asc' },
      select: deadlineColumns,
    });
  }

  async markAlerted(conversationId: string, deadlineId: string, at: Date): Promise<void> {
    await this.prisma.deadline.updateMany({ where: { conversationId, deadlineId }, data: { alertedAt: at } });
  }

  async countOverdue(today: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "Deadline"
      WHERE ("metOn" IS NULL AND "cancelledAt" IS NULL AND "dueOn" < ${today}) OR ("metOn" > "dueOn")`;
    return Number(row?.n ?? 0);
  }
}
