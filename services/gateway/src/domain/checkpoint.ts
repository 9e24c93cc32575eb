// A checkpoint is a node's signed statement of where its two hash-chained logs stood: the sequence
// number and hash of the last entry of each. The hash of an entry covers every entry before it, so
// a log rewritten at or before that entry, even with every hash recomputed, no longer matches;
// and partners keep copies (witnesses) that the database owner cannot reach.

export interface LogHead {
  seq: number;
  hash: string;
}

export interface CheckpointClaims {
  kind: 'log-checkpoint';
  node: string;
  at: string;
  audit: LogHead;
  consent: LogHead;
}

export type LogName = 'audit' | 'consent';

/** Where a checkpoint came from: the node's own table, or a partner that witnessed it. */
export type CheckpointSource = 'own' | { witnessedBy: string };

export interface CheckpointAnchor {
  seq: number;
  hash: string;
  /** For the report: e.g. "own checkpoint of 2026-12-01T09:00:00.000Z". */
  label: string;
}

export function anchorsFor(log: LogName, checkpoints: { claims: CheckpointClaims; label: string }[]): CheckpointAnchor[] {
  return checkpoints.filter((c) => c.claims[log].seq > 0).map((c) => ({ seq: c.claims[log].seq, hash: c.claims[log].hash, label: c.label }));
}
