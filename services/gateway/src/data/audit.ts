import type { Prisma, Tx } from './db.ts';
import { entryHash, genesisHash, verifyChain, type ChainReport } from './hash-chain.ts';
import type { CheckpointAnchor } from '../domain/checkpoint.ts';
import { auditEntryContent } from '../domain/chain-hash.ts';
import { currentRequestId } from '../monitoring/request-context.ts';
import { chainAppended, chainHead, sqlOf, timestamp } from './sql.ts';

export type { Tx };

export interface AuditEvent {
  actor: string;
  action: string;
  outcome: 'accepted' | 'refused' | 'done' | 'failed';
  code?: string;
  messageId?: string;
  detail?: Record<string, unknown>;
}

// Serialises appends so that each entry links to the one committed before it.
const auditLock = 7_261_001;

type Row = Awaited<ReturnType<Prisma['auditEntry']['findFirstOrThrow']>>;

const content = auditEntryContent;

/** The columns of an audit entry as a JSON row, for `jsonb_to_recordset` (see `auditRowsInsert`). */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  code: string | null;
  messageId: string | null;
  detail: unknown;
  prevHash: string;
  hash: string;
}

/**
 * The next entry of the chain, linked and hashed, for the caller to insert in this transaction
 * (the chain head moves on now: if the insert fails, so does the transaction or its savepoint).
 */
export async function nextAuditRow(tx: Tx, event: AuditEvent, at = new Date()): Promise<AuditRow> {
  const last = await chainHead(tx, 'AuditEntry', auditLock);
  // An entry made while serving an HTTP request names it (http/access-log.ts), inside the hashed detail.
  const requestId = currentRequestId();
  const detail = requestId ? { ...event.detail, requestId } : event.detail;
  const entry = { ...event, detail, seq: (last?.seq ?? 0) + 1, at: new Date(at.getTime()) };
  const prevHash = last?.hash ?? genesisHash;
  const hash = entryHash(content(entry), prevHash);
  chainAppended(tx, 'AuditEntry', { seq: entry.seq, hash });
  return { seq: entry.seq, at: timestamp(entry.at)!, actor: entry.actor, action: entry.action, outcome: entry.outcome, code: entry.code ?? null, messageId: entry.messageId ?? null, detail: detail ?? null, prevHash, hash };
}

/** Inserts the audit rows of `$<n>` (a JSON array of AuditRow), as a statement or a CTE part. */
export const auditRowsInsert = (n: number) => `INSERT INTO "AuditEntry" ("seq", "at", "actor", "action", "outcome", "code", "messageId", "detail", "prevHash", "hash")
  SELECT "seq", "at", "actor", "action", "outcome", "code", "messageId", "detail", "prevHash", "hash"
  FROM jsonb_to_recordset($${n}::jsonb) AS r("seq" int, "at" timestamp, "actor" text, "action" text, "outcome" text, "code" text, "messageId" text, "detail" jsonb, "prevHash" text, "hash" text)`;

/** Appends inside the caller's transaction, so the entry commits with what it records. */
export async function appendAudit(tx: Tx, event: AuditEvent, at = new Date()): Promise<void> {
  const row = await nextAuditRow(tx, event, at);
  await sqlOf(tx).execute(auditRowsInsert(1), [JSON.stringify([row])]);
}

const toEvent = (r: Row): AuditEvent & { seq: number; at: string } => ({
  seq: r.seq,
  at: r.at.toISOString(),
  actor: r.actor,
  action: r.action,
  outcome: r.outcome as AuditEvent['outcome'],
  code: r.code ?? undefined,
  messageId: r.messageId ?? undefined,
  detail: (r.detail as Record<string, unknown> | null) ?? undefined,
});

export type HashedAuditEntry = AuditEvent & { seq: number; at: string; prevHash: string; hash: string };

export class AuditRepository {
  /** `commit`: the node's group commit (data/group-commit.ts); alone, each entry is its own transaction. */
  constructor(
    private readonly prisma: Prisma,
    private readonly commit: <T>(work: (tx: Tx) => Promise<T>) => Promise<T> = (work) => prisma.$transaction(work),
  ) {}

  async record(event: AuditEvent): Promise<void> {
    await this.commit((tx) => appendAudit(tx, event));
  }

  async forMessage(messageId: string): Promise<AuditEvent[]> {
    return this.list({ messageId });
  }

  async list(where: { messageId?: string; code?: string; action?: string }, limit = 1000): Promise<(AuditEvent & { seq: number; at: string })[]> {
    const rows = await this.prisma.auditEntry.findMany({ where, orderBy: { seq: 'asc' }, take: limit });
    return rows.map(toEvent);
  }

  /**
   * Entries with what a verifier needs to recompute their hashes: the message's own entries, and
   * the entries about a key (import, approval, revocation; `detail.kid`).
   */
  async withHashes(where: { messageId: string } | { kid: string }, limit = 1000): Promise<HashedAuditEntry[]> {
    const filter = 'messageId' in where ? { messageId: where.messageId } : { detail: { path: ['kid'], equals: where.kid } };
    const rows = await this.prisma.auditEntry.findMany({ where: filter, orderBy: { seq: 'asc' }, take: limit });
    return rows.map((r) => ({ ...toEvent(r), prevHash: r.prevHash, hash: r.hash }));
  }

  /** The newest entries of some actions, newest first, at most `limit` (a bounded scan). */
  async latestOf(actions: string[], limit: number): Promise<(AuditEvent & { seq: number; at: string })[]> {
    const rows = await this.prisma.auditEntry.findMany({ where: { action: { in: actions } }, orderBy: { seq: 'desc' }, take: limit });
    return rows.map(toEvent);
  }

  /** The last entry's number and hash: a verifier can later compare it with the node's chain. */
  async head(): Promise<{ seq: number; hash: string }> {
    const last = await this.prisma.auditEntry.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
    return last ?? { seq: 0, hash: genesisHash };
  }

  /** `anchors`: heads signed in checkpoints (the node's own, and partners' witnesses) that must still be there. */
  verify(anchors: CheckpointAnchor[] = []): Promise<ChainReport> {
    return verifyChain<Row>(
      (afterSeq, limit) => this.prisma.auditEntry.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit }),
      content,
      anchors,
    );
  }
}
