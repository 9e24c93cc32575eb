import type { ConversationPlan, ConversationState } from '../domain/conversation.ts';
import type { Prisma } from './db.ts';
import { json, sqlOf, timestamp } from './sql.ts';

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
 * A planned conversation change as parts of one statement (plain SQL, data/sql.ts): the statement
 * that stores its message (data/messages.ts) runs them. Parameters from `$<first>` on, in the order
 * of `planValues`. `changed` counts the conversation rows created or moved: 0 means another message
 * changed the conversation since planning. The parts see one snapshot, so a deadline started here
 * is written as it ends up (met by this same message, or cancelled by a message that closes the
 * conversation), and one met here is not also cancelled.
 */
export function planParts(first: number): { ctes: string; changed: string } {
  const [id, model, state, roles, agreementId, isNew, previousState, starts, met, metOn, messageId, at, cancel, now] = Array.from({ length: 14 }, (_, i) => `$${first + i}`);
  const isMet = `d."deadlineId" = ANY(${met}::text[])`;
  const ctes = `created AS (
    INSERT INTO "Conversation" ("id", "model", "state", "roles", "agreementId", "createdAt", "updatedAt")
    SELECT ${id}, ${model}, ${state}, ${roles}::jsonb, ${agreementId}, ${now}::timestamp, ${now}::timestamp WHERE ${isNew}::boolean
    ON CONFLICT ("id") DO NOTHING RETURNING 1),
  moved AS (
    UPDATE "Conversation" SET "state" = ${state}, "roles" = ${roles}::jsonb, "agreementId" = ${agreementId}, "updatedAt" = ${now}::timestamp
    WHERE NOT ${isNew}::boolean AND "id" = ${id} AND "state" = ${previousState} RETURNING 1),
  started AS (
    INSERT INTO "Deadline" ("conversationId", "deadlineId", "kind", "title", "reference", "startOn", "dueOn", "metAt", "metOn", "metByMessageId", "cancelledAt", "createdAt")
    SELECT ${id}, d."deadlineId", d."kind", d."title", d."reference", d."startOn", d."dueOn",
      CASE WHEN ${isMet} THEN ${at}::timestamp END, CASE WHEN ${isMet} THEN ${metOn} END, CASE WHEN ${isMet} THEN ${messageId} END,
      CASE WHEN ${cancel}::boolean AND NOT ${isMet} THEN ${at}::timestamp END, ${now}::timestamp
    FROM jsonb_to_recordset(${starts}::jsonb) AS d("deadlineId" text, "kind" text, "title" text, "reference" text, "startOn" text, "dueOn" text)
    ON CONFLICT ("conversationId", "deadlineId") DO NOTHING),
  met AS (
    UPDATE "Deadline" SET "metAt" = ${at}::timestamp, "metOn" = ${metOn}, "metByMessageId" = ${messageId}
    WHERE "conversationId" = ${id} AND "deadlineId" = ANY(${met}::text[]) AND "metAt" IS NULL AND "cancelledAt" IS NULL),
  cancelled AS (
    UPDATE "Deadline" SET "cancelledAt" = ${at}::timestamp
    WHERE ${cancel}::boolean AND "conversationId" = ${id} AND "metAt" IS NULL AND "cancelledAt" IS NULL AND NOT ("deadlineId" = ANY(${met}::text[])))`;
  return { ctes, changed: '(SELECT count(*) FROM created) + (SELECT count(*) FROM moved)' };
}

/** The values of `planParts`; without a plan, the parts change nothing. */
export function planValues(plan: ConversationPlan | undefined, messageId: string, at: Date, now: string): unknown[] {
  if (!plan) return [messageId, '', '', '{}', null, false, null, '[]', [], null, messageId, timestamp(at), false, now];
  const c = plan.conversation;
  return [
    c.id, c.model, c.state, json(c.roles), c.agreementId ?? null, plan.isNew, plan.previousState, JSON.stringify(plan.startDeadlines),
    plan.meetDeadlines, plan.metOn, messageId, timestamp(at), plan.cancelPending, now,
  ];
}

/** What a message is planned against (domain/conversation.ts planMessage): its conversation, and the deadlines it started. */
export interface PlanningState {
  existing: ConversationRecord | null;
  started: Set<string>;
}

/**
 * For a statement that reads the planning state along with other look-ups: the conversation's
 * columns (`c.*`, null when there is none) and `startedDeadlines`, for the conversation id in
 * parameter `$n`. Join with `planningJoin(n)`; read the row with `toPlanningState`.
 */
export const planningColumns = (n: number) => `c.*, ARRAY(SELECT d."deadlineId" FROM "Deadline" d WHERE d."conversationId" = $${n}) AS "startedDeadlines"`;
export const planningJoin = (n: number) => `LEFT JOIN "Conversation" c ON c."id" = $${n}`;

export function toPlanningState(row: Parameters<typeof toConversation>[0] & { startedDeadlines: string[] }): PlanningState {
  return row.id === null ? { existing: null, started: new Set() } : { existing: toConversation(row), started: new Set(row.startedDeadlines) };
}

export class ConversationRepository {
  constructor(private readonly prisma: Prisma) {}

  /** The conversation and its started deadlines in one round trip: both pipelines plan every message against them. */
  async planningState(id: string): Promise<PlanningState> {
    const [row] = await sqlOf(this.prisma).query<Parameters<typeof toPlanningState>[0]>(`SELECT ${planningColumns(1)} FROM (SELECT 1) AS one ${planningJoin(1)}`, [id]);
    return toPlanningState(row!);
  }

  async find(id: string): Promise<ConversationRecord | null> {
    // Plain SQL (data/sql.ts): both pipelines plan every message against it.
    const [row] = await sqlOf(this.prisma).query<Parameters<typeof toConversation>[0]>(`SELECT * FROM "Conversation" WHERE "id" = $1`, [id]);
    return row ? toConversation(row) : null;
  }

  async restrict(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.prisma.conversation.updateMany({ where: { id: { in: ids } }, data: { restricted: true } });
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
