import { entryHash, genesisHash } from '../domain/chain-hash.ts';

// Append-only logs (audit, consent) are hash chains: each entry stores the SHA-256 of its
// canonical form together with the previous entry's hash. Editing, deleting or reordering any
// entry breaks every link after it; verify() finds the first broken one.

export { canonicalJson, entryHash, genesisHash } from '../domain/chain-hash.ts';

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
