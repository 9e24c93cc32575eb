// Longer than 250 lines: the one repository of the message table, both directions and every status change.
import type { ConversationPlan } from '../domain/conversation.ts';
import type { Envelope } from '../domain/envelope.ts';
import { Refusal } from '../domain/errors.ts';
import { ConversationChanged, planParts, planValues, planningColumns, planningJoin, toPlanningState, type PlanningState } from './conversations.ts';
import { consentRowsInsert, nextConsentRow, type ConsentEntryInput, type ConsentRow } from './consents.ts';
import { auditRowsInsert, nextAuditRow, type AuditEvent, type AuditRow } from './audit.ts';
import type { Prisma, Tx } from './db.ts';
import { isUniqueViolation, json, sqlOf, timestamp } from './sql.ts';

/** Work of a message type's handler, done inside the transaction that stores the message. */
export type WithinStore = (tx: Tx) => Promise<void>;

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'rejected' | 'failed' | 'accepted' | 'undelivered';

/** Outbound states in which a receipt or error signal is still awaited. */
const awaiting: MessageStatus[] = ['queued', 'sent', 'undelivered'];
export type Direction = 'in' | 'out';

export interface MessageRecord {
  id: string;
  direction: Direction;
  type: string;
  from: string;
  to: string;
  conversationId: string;
  inReplyTo: string | null;
  consentId: string | null;
  payload: Record<string, unknown>;
  status: MessageStatus;
  reason: { code: string; detail: string | null } | null;
  /** Inbound: the partner key that verified it, and whether that key was revoked since. */
  signingKid: string | null;
  keyRevoked: boolean;
  createdAt: string;
  sentAt: string | null;
  receivedAt: string | null;
  deliveredAt: string | null;
  rejectedAt: string | null;
  failedAt: string | null;
  undeliveredAt: string | null;
}

/** An outbound message still waiting for its receipt, with what the outbox knows of its sending. */
export interface AwaitedMessage {
  id: string;
  type: string;
  to: string;
  createdAt: Date;
  sentAt: Date | null;
}

export interface MessageFilter {
  direction?: Direction;
  type?: string;
  status?: MessageStatus;
  conversationId?: string;
  limit: number;
}

type Row = Awaited<ReturnType<Prisma['message']['findFirstOrThrow']>>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toRecord(row: Row): MessageRecord {
  return {
    id: row.id,
    direction: row.direction as Direction,
    type: row.type,
    from: row.fromCode,
    to: row.toCode,
    conversationId: row.conversationId,
    inReplyTo: row.inReplyTo,
    consentId: row.consentId,
    payload: row.payload as Record<string, unknown>,
    status: row.status as MessageStatus,
    reason: row.reasonCode ? { code: row.reasonCode, detail: row.reasonDetail } : null,
    signingKid: row.signingKid,
    keyRevoked: row.keyRevoked,
    createdAt: row.createdAt.toISOString(),
    sentAt: iso(row.sentAt),
    receivedAt: iso(row.receivedAt),
    deliveredAt: iso(row.deliveredAt),
    rejectedAt: iso(row.rejectedAt),
    failedAt: iso(row.failedAt),
    undeliveredAt: iso(row.undeliveredAt),
  };
}

const storeParts = planParts(20);
/** The parameters after planParts' fourteen: the consent rows and the audit rows, as JSON arrays. */
const logParameters = 34;

/**
 * The message, its outbox row (the message itself, or the receipt for an inbound one), its
 * conversation change and deadlines, and its consent and audit entries: one statement (plain SQL,
 * data/sql.ts), so a message costs the database one round trip. Another message that changed the
 * conversation since planning makes it throw ConversationChanged; the transaction (or its
 * savepoint) is then undone, log entries included.
 */
const storeStatement = `WITH m AS (
    INSERT INTO "Message" ("id", "direction", "type", "fromCode", "toCode", "conversationId", "inReplyTo", "consentId", "payload", "status", "jws", "signingKid", "receivedAt", "createdAt", "updatedAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13::timestamp, $14::timestamp, $15::timestamp) RETURNING "id"),
  o AS (
    INSERT INTO "OutboxEntry" ("kind", "messageId", "toCode", "envelope", "createdAt") SELECT $16, $17, $18, $19::jsonb, $15::timestamp FROM m),
  ${storeParts.ctes},
  c AS (${consentRowsInsert(logParameters)}),
  a AS (${auditRowsInsert(logParameters + 1)})
  SELECT ${storeParts.changed} AS "changed"`;

async function storeMessage(
  tx: Tx,
  e: Envelope,
  message: { direction: Direction; status: MessageStatus; jws?: string; receivedAt?: Date; signingKid?: string },
  queued: { kind: string; envelope: Envelope },
  plan: ConversationPlan | undefined,
  logs: LogRows = { consents: [], audits: [] },
): Promise<void> {
  const now = timestamp(new Date())!;
  const [row] = await sqlOf(tx).query<{ changed: number | string | bigint }>(storeStatement, [
    e.id, message.direction, e.type, e.from, e.to, e.conversationId, e.inReplyTo ?? null, e.consentId ?? null, json(e.payload), message.status,
    message.jws ?? null, message.signingKid ?? null, timestamp(message.receivedAt), timestamp(new Date(e.createdAt)), now,
    queued.kind, queued.envelope.id, queued.envelope.to, json(queued.envelope),
    ...planValues(plan, e.id, new Date(e.createdAt), now),
    JSON.stringify(logs.consents), JSON.stringify(logs.audits),
  ]);
  if (plan && Number(row!.changed) !== 1) throw new ConversationChanged(plan.conversation.id);
}

interface LogRows {
  consents: ConsentRow[];
  audits: AuditRow[];
}

/**
 * The log entries of a stored message, linked to their chains: consent entries, then the audit
 * entry (in that order each transaction takes the logs' locks, data/sql.ts `chainHead`; a
 * transaction's first entry of a log costs the lock and a read of its head, later ones nothing).
 */
async function logRows(tx: Tx, consentEntries: ConsentEntryInput[], consentAt: Date, audit?: AuditEvent): Promise<LogRows> {
  const consents: ConsentRow[] = [];
  // Each links to the one before it, which is not in the table yet.
  for (const entry of consentEntries) consents.push(await nextConsentRow(tx, entry, consentAt, consents.at(-1)));
  return { consents, audits: audit ? [await nextAuditRow(tx, audit)] : [] };
}

/**
 * Stores a message with its log entries (`storeStatement`). A type's handler (`within`) works
 * between the message and its entries, which then follow in a statement of their own: its work may
 * be what they record.
 */
async function storeWithLogs(
  tx: Tx,
  e: Envelope,
  message: Parameters<typeof storeMessage>[2],
  queued: Parameters<typeof storeMessage>[3],
  plan: ConversationPlan | undefined,
  within: WithinStore | undefined,
  logs: () => Promise<LogRows>,
): Promise<void> {
  if (!within) return storeMessage(tx, e, message, queued, plan, await logs());
  await storeMessage(tx, e, message, queued, plan);
  await within(tx);
  const { consents, audits } = await logs();
  await sqlOf(tx).execute(`WITH c AS (${consentRowsInsert(1)}) ${auditRowsInsert(2)}`, [JSON.stringify(consents), JSON.stringify(audits)]);
}

/** See MessageRepository.inboundLookups. */
export interface InboundLookups extends PlanningState {
  known: { direction: Direction; from: string } | null;
  withdrawn: boolean;
}

/** What `storeOutbound` stored, without reading it back. */
function queuedRecord(e: Envelope): MessageRecord {
  return {
    id: e.id, direction: 'out', type: e.type, from: e.from, to: e.to, conversationId: e.conversationId, inReplyTo: e.inReplyTo ?? null,
    consentId: e.consentId ?? null, payload: e.payload as Record<string, unknown>, status: 'queued', reason: null, signingKid: null, keyRevoked: false,
    createdAt: new Date(e.createdAt).toISOString(), sentAt: null, receivedAt: null, deliveredAt: null, rejectedAt: null, failedAt: null, undeliveredAt: null,
  };
}

export class MessageRepository {
  /** `commit`: the node's group commit (data/group-commit.ts); alone, each store is its own transaction. */
  constructor(
    private readonly prisma: Prisma,
    private readonly commit: <T>(work: (tx: Tx) => Promise<T>) => Promise<T> = (work) => prisma.$transaction(work),
  ) {}

  /**
   * The message, its outbox row, its audit entry and its conversation change in one transaction:
   * stored means it will be sent.
   */
  async storeOutbound(envelope: Envelope, audit?: AuditEvent, plan?: ConversationPlan, within?: WithinStore): Promise<MessageRecord> {
    return this.commit(async (tx) => {
      await storeWithLogs(tx, envelope, { direction: 'out', status: 'queued' }, { kind: 'message', envelope }, plan, within, () => logRows(tx, [], new Date(), audit));
      return queuedRecord(envelope);
    });
  }

  /**
   * The accepted message, the receipt to send back, the audit entry and the conversation change,
   * in one transaction. Returns false when the id was stored before (a replay or a redelivery).
   */
  async storeInbound(
    envelope: Envelope,
    jws: string,
    receipt: Envelope,
    now: Date,
    audit: AuditEvent,
    plan?: ConversationPlan,
    extras: { consentEntries: ConsentEntryInput[]; signingKid?: string; within?: WithinStore } = { consentEntries: [] },
  ): Promise<boolean> {
    try {
      await this.commit(async (tx) => {
        const message = { direction: 'in' as const, status: 'accepted' as const, jws, receivedAt: now, signingKid: extras.signingKid };
        await storeWithLogs(tx, envelope, message, { kind: 'receipt', envelope: receipt }, plan, extras.within, () => logRows(tx, extras.consentEntries, now, audit));
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) {
        // Stored meanwhile: a redelivery of the same sender's message, or an id that is not its to use.
        const known = await this.find(envelope.id);
        if (known?.direction === 'in' && known.from === envelope.from) return false;
        if (known) throw new Refusal('id_collision', `id ${envelope.id} names another message`);
      }
      throw error;
    }
  }

  /**
   * What the inbound pipeline looks up for every message it receives, in one round trip: whether
   * the id is known (a replay, or an id collision), the planning state of its conversation, and
   * whether the sender withdrew the consent it names.
   */
  async inboundLookups(e: Pick<Envelope, 'id' | 'from' | 'conversationId' | 'consentId'>): Promise<InboundLookups> {
    const [row] = await sqlOf(this.prisma).query<Parameters<typeof toPlanningState>[0] & { knownDirection: Direction | null; knownFrom: string | null; withdrawn: boolean }>(
      `SELECT m."direction" AS "knownDirection", m."fromCode" AS "knownFrom", ${planningColumns(2)},
         EXISTS (SELECT 1 FROM "ConsentEntry" w WHERE w."consentId" = $3 AND w."kind" = 'withdrawal-received' AND w."body"->>'sender' = $4) AS "withdrawn"
       FROM (SELECT 1) AS one LEFT JOIN "Message" m ON m."id" = $1 ${planningJoin(2)}`,
      [e.id, e.conversationId, e.consentId ?? null, e.from],
    );
    const known = row!.knownDirection ? { direction: row!.knownDirection, from: row!.knownFrom! } : null;
    return { known, ...toPlanningState(row!), withdrawn: row!.withdrawn };
  }

  async find(id: string): Promise<MessageRecord | null> {
    // Plain SQL (data/sql.ts): the inbound pipeline looks up every message it receives.
    const [row] = await sqlOf(this.prisma).query<Row>(`SELECT * FROM "Message" WHERE "id" = $1`, [id]);
    return row ? toRecord(row) : null;
  }

  /**
   * The signed forms: the message as sent or received (compact JWS), and the signal about it: the
   * partner's receipt or error signal for one we sent, our own receipt for one we received.
   */
  async signedForms(id: string): Promise<{ jws: string | null; signalJws: string | null } | null> {
    const row = await this.prisma.message.findUnique({ where: { id }, select: { jws: true, receiptJws: true } });
    return row ? { jws: row.jws, signalJws: row.receiptJws } : null;
  }

  /**
   * Messages about a citizen: those whose payload names the citizen (`citizen.cpr`) with every
   * message of their conversations (the citizen's cases), and invoices with a line for the citizen
   * (not their conversations: an invoice covers many citizens). No column indexes the CPR inside a
   * payload, so this scans the table: at most `limit` messages, newest first; `truncated` says
   * when there were more.
   */
  async aboutCitizen(cpr: string, limit: number): Promise<{ cases: MessageRecord[]; invoices: MessageRecord[]; truncated: boolean }> {
    const lines = JSON.stringify([{ citizen: { cpr } }]);
    const named = await this.prisma.$queryRaw<{ conversationId: string }[]>`
      SELECT DISTINCT "conversationId" FROM "Message" WHERE "payload"->'citizen'->>'cpr' = ${cpr} LIMIT ${limit + 1}`;
    const invoiced = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Message" WHERE "payload"->'lines' @> ${lines}::jsonb ORDER BY "createdAt" DESC LIMIT ${limit + 1}`;
    const cases = await this.prisma.message.findMany({
      where: { conversationId: { in: named.slice(0, limit).map((m) => m.conversationId) } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: limit + 1,
    });
    const invoices = await this.prisma.message.findMany({ where: { id: { in: invoiced.slice(0, limit).map((m) => m.id) } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    return {
      cases: cases.slice(0, limit).map(toRecord),
      invoices: invoices.map(toRecord),
      truncated: named.length > limit || invoiced.length > limit || cases.length > limit,
    };
  }

  async list(filter: MessageFilter): Promise<MessageRecord[]> {
    const rows = await this.prisma.message.findMany({
      where: { direction: filter.direction, type: filter.type, status: filter.status, conversationId: filter.conversationId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: filter.limit,
    });
    return rows.map(toRecord);
  }

  async countInbound(id: string): Promise<number> {
    return this.prisma.message.count({ where: { id, direction: 'in' } });
  }

  /**
   * A receipt from the recipient: only a message we sent to that municipality can be marked.
   * Returns when the message was created, or null when nothing was marked.
   */
  async markDelivered(id: string, recipient: string, receiptJws: string, at: Date): Promise<Date | null> {
    // Plain SQL (data/sql.ts): every receipt comes here. One statement on its own, not in the group
    // commit: a batch would hold the row until it commits, and the relay's markPublished, which
    // updates many rows at once, could then wait on it while holding a row the batch wants.
    const rows = await sqlOf(this.prisma).query<{ createdAt: Date }>(
      `UPDATE "Message" SET "status" = 'delivered', "deliveredAt" = $3::timestamp, "receiptJws" = $4, "reasonCode" = NULL, "reasonDetail" = NULL, "updatedAt" = $5::timestamp
       WHERE "id" = $1 AND "direction" = 'out' AND "toCode" = $2
         -- A dead letter the recipient replayed after signalling retries_exhausted is delivered after all.
         AND ("status" = ANY($6::text[]) OR ("status" = 'rejected' AND "reasonCode" = 'retries_exhausted'))
       RETURNING "createdAt"`,
      [id, recipient, timestamp(at), receiptJws, timestamp(new Date()), awaiting],
    );
    return rows[0]?.createdAt ?? null;
  }

  /** `recipient` undefined: refused by a node it reached by mistake (see the inbound pipeline). */
  async markRejected(id: string, recipient: string | undefined, code: string, detail: string | null, signalJws: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.message.updateMany({
      where: { id, direction: 'out', toCode: recipient, status: { in: awaiting } },
      data: { status: 'rejected', rejectedAt: at, reasonCode: code, reasonDetail: detail, receiptJws: signalJws },
    });
    return count === 1;
  }

  /** Outbound messages made before `madeBefore` that still wait for their first receipt or error signal. */
  async awaitingSince(madeBefore: Date, limit = 1000): Promise<AwaitedMessage[]> {
    const rows = await this.prisma.message.findMany({
      where: { direction: 'out', status: { in: ['queued', 'sent'] }, createdAt: { lt: madeBefore } },
      select: { id: true, type: true, toCode: true, createdAt: true, sentAt: true },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, type: r.type, to: r.toCode, createdAt: r.createdAt, sentAt: r.sentAt }));
  }

  /** Undelivered, with why; a receipt or error signal that comes later still settles it. False when it was settled meanwhile. */
  async markUndelivered(id: string, at: Date, detail: string): Promise<boolean> {
    const { count } = await this.prisma.message.updateMany({
      where: { id, direction: 'out', status: { in: ['queued', 'sent'] } },
      data: { status: 'undelivered', undeliveredAt: at, reasonCode: 'no_receipt', reasonDetail: detail },
    });
    return count === 1;
  }

  async countUndelivered(): Promise<number> {
    return this.prisma.message.count({ where: { direction: 'out', status: 'undelivered' } });
  }

  /** Inbound messages verified with a key that has now been revoked stay, flagged. */
  async flagRevokedKey(kid: string): Promise<number> {
    const { count } = await this.prisma.message.updateMany({ where: { direction: 'in', signingKid: kid }, data: { keyRevoked: true } });
    return count;
  }

  /** Outbound messages that shared data under a consent. */
  async underConsent(consentId: string): Promise<MessageRecord[]> {
    const rows = await this.prisma.message.findMany({ where: { direction: 'out', consentId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toRecord);
  }

  /** A withdrawn consent stops what has not left yet: failed, and taken out of the outbox. */
  async cancelQueuedUnderConsent(consentId: string, at: Date): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const queued = await tx.message.findMany({ where: { direction: 'out', consentId, status: 'queued' }, select: { id: true } });
      const ids = queued.map((m) => m.id);
      if (ids.length === 0) return;
      await tx.message.updateMany({ where: { id: { in: ids } }, data: { status: 'failed', failedAt: at, reasonCode: 'consent_withdrawn', reasonDetail: 'the consent was withdrawn before the message left' } });
      await tx.outboxEntry.updateMany({ where: { messageId: { in: ids }, publishedAt: null }, data: { publishedAt: at, lastError: 'consent_withdrawn' } });
    });
  }

  async isOurs(id: string, recipient: string | undefined): Promise<boolean> {
    return (await this.prisma.message.count({ where: { id, direction: 'out', toCode: recipient } })) === 1;
  }
}
