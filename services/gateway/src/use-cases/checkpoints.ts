import { parseCompactJws, sign, verifyWith } from '../crypto/jws.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { anchorsFor, type CheckpointClaims, type LogName } from '../domain/checkpoint.ts';
import { Refusal } from '../domain/errors.ts';
import type { ChainReport } from '../data/hash-chain.ts';
import type { OwnCheckpoint } from '../data/checkpoints.ts';
import type { Caller, Parts } from '../parts.ts';
import { sendMessage, type OutboundDeps } from '../pipeline/outbound.ts';
import { Periodic } from './periodic.ts';

type MakeDeps = OutboundDeps & Pick<Parts, 'checkpoints' | 'ownKeys'>;
type VerifyDeps = Pick<Parts, 'municipality' | 'checkpoints' | 'ownKeys' | 'schemas' | 'audit' | 'consents'>;

const watchCaller: Caller = { subject: 'checkpoint-watch', role: 'admin' };

/**
 * Signs the heads of both logs with the node's current key, keeps the checkpoint and sends it to
 * every partner in an `audit.checkpoint` message, for them to keep as a witness.
 */
export async function makeCheckpoint(deps: MakeDeps, caller: Caller = watchCaller): Promise<{ checkpoint: OwnCheckpoint; sentTo: string[] }> {
  const now = deps.now();
  const heads = await deps.checkpoints.heads();
  const claims: CheckpointClaims = { kind: 'log-checkpoint', node: deps.municipality, at: now.toISOString(), audit: heads.audit, consent: heads.consent };
  const key = deps.ownKeys.signingKey(now);
  const checkpoint: OwnCheckpoint = { at: claims.at, audit: heads.audit, consent: heads.consent, kid: key.kid, jws: await sign(key, claims) };
  await deps.checkpoints.record(checkpoint);
  const sentTo: string[] = [];
  for (const to of deps.contracts.partnersOf(deps.municipality, copenhagenDate(now))) {
    try {
      await sendMessage(deps, caller, { type: 'audit.checkpoint', to, payload: { checkpoint: checkpoint.jws } }, { system: true });
      sentTo.push(to);
    } catch (error) {
      // One partner the contracts refuse does not keep the others from their witness.
      deps.log.warn({ to, err: (error as Error).message }, 'checkpoint not sent');
    }
  }
  deps.log.info({ audit: heads.audit.seq, consent: heads.consent.seq, sentTo }, 'log checkpoint signed and sent');
  return { checkpoint, sentTo };
}

/** Makes a checkpoint when `intervalMs` passed since the last and something was logged, or when more than `entries` were. */
export class CheckpointWatch {
  private periodic?: Periodic;
  private busy = false;
  private readonly startedAt: number;

  constructor(
    private readonly deps: MakeDeps,
    private readonly settings: { intervalMs: number; entries: number; checkMs: number },
  ) {
    this.startedAt = deps.now().getTime();
  }

  start(): void {
    this.periodic ??= new Periodic(() => this.check(), this.settings.checkMs, (error) => this.deps.log.warn({ err: error.message }, 'checkpoint check failed'));
  }

  /** Whether it made one. */
  async check(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      const last = (await this.deps.checkpoints.own(1))[0];
      const grown = await this.deps.checkpoints.growthSince({ audit: last?.audit.seq ?? 0, consent: last?.consent.seq ?? 0 });
      const appended = Math.max(grown.audit, grown.consent);
      const since = last ? Date.parse(last.at) : this.startedAt;
      const due = appended > this.settings.entries || (appended > 0 && this.deps.now().getTime() - since >= this.settings.intervalMs);
      if (due) await makeCheckpoint(this.deps);
      return due;
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }
}

/** A checkpoint signed by one of this node's own keys (current, next or retired), about this node. */
async function readCheckpoint(deps: VerifyDeps, jws: unknown): Promise<CheckpointClaims> {
  if (typeof jws !== 'string') throw new Refusal('checkpoint_invalid', 'a checkpoint is a compact JWS');
  const { kid } = parseCompactJws(jws);
  const key = await deps.ownKeys.ownKey(kid);
  if (!key) throw new Refusal('checkpoint_invalid', `signed with ${kid}, which is none of this node's keys`);
  const claims = await verifyWith(key, jws);
  deps.schemas.assertValid('checkpoint', claims);
  if (claims.node !== deps.municipality) throw new Refusal('checkpoint_invalid', `about node ${String(claims.node)}`);
  return claims as unknown as CheckpointClaims;
}

/** A partner's witness file: what `GET /checkpoints/witnessed?from=<us>` answered on the partner's node. */
export interface WitnessFile {
  witnessedBy: string;
  checkpoints: { jws: string }[];
}

export interface LogsReport {
  ok: boolean;
  audit: ChainReport;
  consent: ChainReport;
  /** Checkpoints that could not be used: not signed by this node, or about another. */
  rejected: { label: string; reason: string }[];
}

/**
 * Walks both chains and holds them against the node's latest own checkpoint and the witnesses'
 * checkpoints: a tail rewritten at or before a checkpoint's entry, or deleted, no longer matches
 * its signed head. A checkpoint that does not verify is itself reported (ok is false).
 */
export async function verifyLogs(deps: VerifyDeps, witnesses: WitnessFile[] = [], only?: LogName): Promise<LogsReport> {
  const candidates: { jws: unknown; label: string }[] = [];
  const latest = (await deps.checkpoints.own(1))[0];
  if (latest) candidates.push({ jws: latest.jws, label: `own checkpoint of ${latest.at}` });
  for (const file of witnesses) for (const c of file.checkpoints) candidates.push({ jws: c.jws, label: `checkpoint witnessed by ${file.witnessedBy}` });
  const accepted: { claims: CheckpointClaims; label: string }[] = [];
  const rejected: LogsReport['rejected'] = [];
  for (const c of candidates) {
    try {
      const claims = await readCheckpoint(deps, c.jws);
      accepted.push({ claims, label: c.label.startsWith('own') ? c.label : `${c.label} (signed ${claims.at})` });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      rejected.push({ label: c.label, reason: error.detail ?? error.title });
    }
  }
  const skipped: ChainReport = { ok: true, entries: 0 };
  const audit = only === 'consent' ? skipped : await deps.audit.verify(anchorsFor('audit', accepted));
  const consent = only === 'audit' ? skipped : await deps.consents.verify(anchorsFor('consent', accepted));
  return { ok: audit.ok && consent.ok && rejected.length === 0, audit, consent, rejected };
}

/** One log against the node's latest own checkpoint: `GET /audit/verify`, `GET /consents/verify`. */
export async function verifyLog(deps: VerifyDeps, log: LogName): Promise<ChainReport & { rejected?: LogsReport['rejected'] }> {
  const report = await verifyLogs(deps, [], log);
  const chain = report[log];
  return report.rejected.length > 0 ? { ...chain, ok: false, rejected: report.rejected } : chain;
}

export function listCheckpoints(deps: Pick<Parts, 'checkpoints'>, limit = 20): Promise<OwnCheckpoint[]> {
  return deps.checkpoints.own(limit);
}

/** What this node keeps of `from`'s checkpoints, as a witness file for `from`'s admin. */
export async function witnessedCheckpoints(deps: Pick<Parts, 'municipality' | 'checkpoints'>, from: string, limit: number) {
  const checkpoints = await deps.checkpoints.witnessed(from, limit);
  return { witnessedBy: deps.municipality, from, checkpoints };
}
