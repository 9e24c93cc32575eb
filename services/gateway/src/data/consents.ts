import type { CheckpointAnchor } from '../domain/checkpoint.ts';
import type { Consent, ConsentGiven, ConsentWithdrawal } from '../domain/consent.ts';
import type { Prisma } from './db.ts';
import type { Tx } from './audit.ts';
import { entryHash, genesisHash, verifyChain, type ChainReport } from './hash-chain.ts';
import { chainAppended, chainHead, sqlOf, timestamp } from './sql.ts';

export type ConsentEntryKind = 'given' | 'withdrawn' | 'received' | 'withdrawal-received';

export interface ConsentEntryInput {
  kind: ConsentEntryKind;
  consentId: string;
  cpr?: string | null;
  body: Record<string, unknown>;
}

export interface ConsentEntry extends ConsentEntryInput {
  seq: number;
  at: string;
}

const consentLock = 7_261_002;

/** Folds 'given' and 'withdrawn' entries into consents. */
function fold(entries: ConsentEntry[]): Consent[] {
  const byId = new Map<string, Consent>();
  for (const e of entries) {
    if (e.kind === 'given') byId.set(e.consentId, { id: e.consentId, given: e.body as unknown as ConsentGiven, withdrawal: null });
    const consent = byId.get(e.consentId);
    if (e.kind === 'withdrawn' && consent) consent.withdrawal = e.body as unknown as ConsentWithdrawal;
  }
  return [...byId.values()];
}

type Row = Awaited<ReturnType<Prisma['consentEntry']['findFirstOrThrow']>>;

const content = (e: { seq: number; at: Date; kind: string; consentId: string; cpr?: string | null; body: unknown }) => ({
  seq: e.seq,
  at: e.at,
  kind: e.kind,
  consentId: e.consentId,
  cpr: e.cpr ?? null,
  body: e.body,
});

const toEntry = (r: Row): ConsentEntry => ({
  seq: r.seq,
  at: r.at.toISOString(),
  kind: r.kind as ConsentEntryKind,
  consentId: r.consentId,
  cpr: r.cpr,
  body: r.body as Record<string, unknown>,
});

/** The columns of a consent entry as a JSON row, for `jsonb_to_recordset` (see `consentRowsInsert`). */
export interface ConsentRow {
  seq: number;
  at: string;
  kind: ConsentEntryKind;
  consentId: string;
  cpr: string | null;
  body: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * The next entry of the chain, linked and hashed, for the caller to insert in this transaction (see
 * nextAuditRow). `after`: the row the caller made just before and has not inserted yet.
 */
export async function nextConsentRow(tx: Tx, input: ConsentEntryInput, at = new Date(), after?: { seq: number; hash: string }): Promise<ConsentRow> {
  const last = after ?? (await chainHead(tx, 'ConsentEntry', consentLock));
  const entry = { ...input, cpr: input.cpr ?? null, seq: (last?.seq ?? 0) + 1, at: new Date(at.getTime()) };
  const prevHash = last?.hash ?? genesisHash;
  const hash = entryHash(content(entry), prevHash);
  chainAppended(tx, 'ConsentEntry', { seq: entry.seq, hash });
  return { seq: entry.seq, at: timestamp(entry.at)!, kind: entry.kind, consentId: entry.consentId, cpr: entry.cpr, body: input.body, prevHash, hash };
}

/** Inserts the consent rows of `$<n>` (a JSON array of ConsentRow), as a statement or a CTE part. */
export const consentRowsInsert = (n: number) => `INSERT INTO "ConsentEntry" ("seq", "at", "kind", "consentId", "cpr", "body", "prevHash", "hash")
  SELECT "seq", "at", "kind", "consentId", "cpr", "body", "prevHash", "hash"
  FROM jsonb_to_recordset($${n}::jsonb) AS r("seq" int, "at" timestamp, "kind" text, "consentId" text, "cpr" text, "body" jsonb, "prevHash" text, "hash" text)`;

/** Appends inside the caller's transaction; entries are never edited (the database refuses it). */
export async function appendConsentEntry(tx: Tx, input: ConsentEntryInput, at = new Date()): Promise<ConsentEntry> {
  const row = await nextConsentRow(tx, input, at);
  await sqlOf(tx).execute(consentRowsInsert(1), [JSON.stringify([row])]);
  return { kind: row.kind, consentId: row.consentId, cpr: row.cpr, body: row.body, seq: row.seq, at: new Date(row.at).toISOString() };
}

export class ConsentRepository {
  constructor(private readonly prisma: Prisma) {}

  append(input: ConsentEntryInput, at?: Date): Promise<ConsentEntry> {
    return this.prisma.$transaction((tx) => appendConsentEntry(tx, input, at));
  }

  async entries(where: { consentId?: string | string[]; cpr?: string; kind?: ConsentEntryKind | ConsentEntryKind[] }): Promise<ConsentEntry[]> {
    // Plain SQL (data/sql.ts): both pipelines check the legal basis of every message under a consent here.
    const conditions: string[] = [];
    const values: unknown[] = [];
    const match = (column: string, value: string | string[] | undefined) => {
      if (value === undefined) return;
      values.push(value);
      conditions.push(Array.isArray(value) ? `"${column}" = ANY($${values.length}::text[])` : `"${column}" = $${values.length}`);
    };
    match('consentId', where.consentId);
    match('cpr', where.cpr);
    match('kind', where.kind);
    const rows = await sqlOf(this.prisma).query<Row>(`SELECT * FROM "ConsentEntry"${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY "seq"`, values);
    return rows.map(toEntry);
  }

  async find(consentId: string): Promise<Consent | null> {
    return fold(await this.entries({ consentId, kind: ['given', 'withdrawn'] }))[0] ?? null;
  }

  async ofCitizen(cpr: string): Promise<Consent[]> {
    const ids = (await this.entries({ cpr, kind: 'given' })).map((e) => e.consentId);
    return ids.length === 0 ? [] : fold(await this.entries({ consentId: ids, kind: ['given', 'withdrawn'] }));
  }

  /** `anchors`: heads signed in checkpoints (the node's own, and partners' witnesses) that must still be there. */
  verify(anchors: CheckpointAnchor[] = []): Promise<ChainReport> {
    return verifyChain<Row>((afterSeq, limit) => this.prisma.consentEntry.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit }), content, anchors);
  }
}
