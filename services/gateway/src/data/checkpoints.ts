import type { LogHead } from '../domain/checkpoint.ts';
import type { Prisma, Tx } from './db.ts';
import { genesisHash } from './hash-chain.ts';

/** As stored for listing; what counts is the signed `jws`, which verification reads. */
export interface OwnCheckpoint {
  at: string;
  audit: LogHead;
  consent: LogHead;
  kid: string;
  jws: string;
}

export interface WitnessedCheckpoint {
  from: string;
  at: string;
  auditSeq: number;
  consentSeq: number;
  jws: string;
  messageId: string;
  receivedAt: string;
}

type OwnRow = Awaited<ReturnType<Prisma['checkpoint']['findFirstOrThrow']>>;

const toOwn = (r: OwnRow): OwnCheckpoint => ({
  at: r.at.toISOString(),
  audit: { seq: r.auditSeq, hash: r.auditHash },
  consent: { seq: r.consentSeq, hash: r.consentHash },
  kid: r.kid,
  jws: r.jws,
});

/** The node's own checkpoints and the partners' it keeps; both tables are append-only (data/guards.ts). */
export class CheckpointRepository {
  constructor(private readonly prisma: Prisma) {}

  /** The last entry of each log now (sequence 0 and the genesis hash for an empty one). */
  async heads(): Promise<{ audit: LogHead; consent: LogHead }> {
    const select = { seq: true, hash: true } as const;
    const [audit, consent] = await Promise.all([
      this.prisma.auditEntry.findFirst({ orderBy: { seq: 'desc' }, select }),
      this.prisma.consentEntry.findFirst({ orderBy: { seq: 'desc' }, select }),
    ]);
    return { audit: audit ?? { seq: 0, hash: genesisHash }, consent: consent ?? { seq: 0, hash: genesisHash } };
  }

  /**
   * Entries appended to each log after the given heads. Audit entries about checkpoints themselves
   * (ours sent, partners' received) do not count: else every checkpoint would call for the next.
   */
  async growthSince(since: { audit: number; consent: number }): Promise<{ audit: number; consent: number }> {
    const [audit] = await this.prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "AuditEntry" WHERE seq > $1 AND (detail->>'type') IS DISTINCT FROM 'audit.checkpoint'`,
      since.audit,
    );
    const consent = await this.prisma.consentEntry.count({ where: { seq: { gt: since.consent } } });
    return { audit: audit?.n ?? 0, consent };
  }

  async record(c: OwnCheckpoint): Promise<void> {
    await this.prisma.checkpoint.create({
      data: { at: new Date(c.at), auditSeq: c.audit.seq, auditHash: c.audit.hash, consentSeq: c.consent.seq, consentHash: c.consent.hash, kid: c.kid, jws: c.jws },
    });
  }

  /** Newest first. */
  async own(limit = 20): Promise<OwnCheckpoint[]> {
    const rows = await this.prisma.checkpoint.findMany({ orderBy: { id: 'desc' }, take: limit });
    return rows.map(toOwn);
  }

  /** Inside the transaction that stores the partner's message (handlers/audit-checkpoint.ts). */
  async witness(tx: Tx, w: Omit<WitnessedCheckpoint, 'receivedAt'>, receivedAt: Date): Promise<void> {
    await tx.witnessedCheckpoint.create({ data: { fromCode: w.from, at: new Date(w.at), auditSeq: w.auditSeq, consentSeq: w.consentSeq, jws: w.jws, messageId: w.messageId, receivedAt } });
  }

  /** What `from` sent us, newest first. */
  async witnessed(from: string, limit = 10): Promise<WitnessedCheckpoint[]> {
    const rows = await this.prisma.witnessedCheckpoint.findMany({ where: { fromCode: from }, orderBy: { id: 'desc' }, take: limit });
    return rows.map((r) => ({ from: r.fromCode, at: r.at.toISOString(), auditSeq: r.auditSeq, consentSeq: r.consentSeq, jws: r.jws, messageId: r.messageId, receivedAt: r.receivedAt.toISOString() }));
  }
}
