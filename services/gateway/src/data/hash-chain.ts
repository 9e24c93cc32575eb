import { createHash } from 'node:crypto';

// Append-only logs (audit, consent) are hash chains: each entry stores the SHA-256 of its
// canonical form together with the previous entry's hash. Editing, deleting or reordering any
// entry breaks every link after it; verify() finds the first broken one.

export const genesisHash = '0'.repeat(64);

/** JSON with keys sorted at every level and no whitespace: the same bytes for the same content. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function entryHash(content: object, prevHash: string): string {
  return createHash('sha256').update(canonicalJson({ ...content, prevHash })).digest('hex');
}

export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  /** The first entry whose link does not hold, and why. */
  firstBroken?: { seq: number; reason: string };
}

/** Walks a chain page by page; `content` rebuilds what was hashed from a stored row. */
export async function verifyChain<Row extends ChainLink>(page: (afterSeq: number, limit: number) => Promise<Row[]>, content: (row: Row) => object): Promise<ChainReport> {
  let previous: ChainLink = { seq: 0, prevHash: '', hash: genesisHash };
  let entries = 0;
  for (;;) {
    const rows = await page(previous.seq, 1000);
    for (const row of rows) {
      if (row.seq !== previous.seq + 1) return { ok: false, entries, firstBroken: { seq: previous.seq + 1, reason: `entry ${previous.seq + 1} is missing` } };
      if (row.prevHash !== previous.hash) return { ok: false, entries, firstBroken: { seq: row.seq, reason: 'does not link to the entry before it' } };
      if (entryHash(content(row), row.prevHash) !== row.hash) return { ok: false, entries, firstBroken: { seq: row.seq, reason: 'its content does not match its hash' } };
      previous = row;
      entries++;
    }
    if (rows.length < 1000) return { ok: true, entries };
  }
}
