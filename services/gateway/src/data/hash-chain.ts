import { entryHash, genesisHash } from '../domain/chain-hash.ts';
import type { CheckpointAnchor } from '../domain/checkpoint.ts';

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
  /** The first entry whose link does not hold, and why; for a checkpoint that does not match, its sequence number. */
  firstBroken?: { seq: number; reason: string };
  /** The checkpoints the chain was held against (domain/checkpoint.ts). */
  checkpoints?: { seq: number; label: string }[];
}

/**
 * Walks a chain page by page; `content` rebuilds what was hashed from a stored row. The chain alone
 * cannot tell a rewritten tail whose hashes were recomputed: each `anchor` (a signed checkpoint)
 * names the hash its entry had, and must still be there.
 */
export async function verifyChain<Row extends ChainLink>(page: (afterSeq: number, limit: number) => Promise<Row[]>, content: (row: Row) => object, anchors: CheckpointAnchor[] = []): Promise<ChainReport> {
  const checkpoints = anchors.map(({ seq, label }) => ({ seq, label }));
  const bySeq = new Map<number, CheckpointAnchor[]>();
  for (const a of anchors) bySeq.set(a.seq, [...(bySeq.get(a.seq) ?? []), a]);
  let previous: ChainLink = { seq: 0, prevHash: '', hash: genesisHash };
  let entries = 0;
  const broken = (seq: number, reason: string) => ({ ok: false, entries, firstBroken: { seq, reason }, checkpoints });
  for (;;) {
    const rows = await page(previous.seq, 1000);
    for (const row of rows) {
      if (row.seq !== previous.seq + 1) return broken(previous.seq + 1, `entry ${previous.seq + 1} is missing`);
      if (row.prevHash !== previous.hash) return broken(row.seq, 'does not link to the entry before it');
      if (entryHash(content(row), row.prevHash) !== row.hash) return broken(row.seq, 'its content does not match its hash');
      const differs = bySeq.get(row.seq)?.find((a) => a.hash !== row.hash);
      if (differs) return broken(row.seq, `its hash is not the one signed in the ${differs.label}: this entry or one before it was rewritten`);
      previous = row;
      entries++;
    }
    if (rows.length < 1000) break;
  }
  const beyond = anchors.filter((a) => a.seq > previous.seq).sort((a, b) => a.seq - b.seq)[0];
  if (beyond) return broken(beyond.seq, `the ${beyond.label} signed entry ${beyond.seq}, but the log ends at ${previous.seq}: entries were deleted`);
  return { ok: true, entries, checkpoints };
}
