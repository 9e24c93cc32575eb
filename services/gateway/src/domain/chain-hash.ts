import { createHash } from 'node:crypto';

// The hashing of the append-only logs (audit, consent), with no I/O: the node's repositories
// (data/hash-chain.ts) and the offline evidence check (cli/evidence.ts) compute the same bytes.

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

/** The fields of an audit entry that its hash covers (with the previous entry's hash). */
export const auditEntryContent = (e: { seq: number; at: Date | string; actor: string; action: string; outcome: string; code?: string | null; messageId?: string | null; detail?: unknown }) => ({
  seq: e.seq,
  at: e.at,
  actor: e.actor,
  action: e.action,
  outcome: e.outcome,
  code: e.code ?? null,
  messageId: e.messageId ?? null,
  detail: e.detail ?? null,
});
