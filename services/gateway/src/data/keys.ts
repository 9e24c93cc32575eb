import type { Prisma, Tx } from './db.ts';

export type KeyStatus = 'pending' | 'pending-rotation' | 'active' | 'retired' | 'revoked';

export interface PartnerKeyRecord {
  kid: string;
  municipality: string;
  jwk: Record<string, unknown>;
  status: KeyStatus;
  thumbprint: string;
  source: string;
  reason: string | null;
  replacesKid: string | null;
  validFrom: Date | null;
  retireAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPartnerKey = Pick<PartnerKeyRecord, 'kid' | 'municipality' | 'jwk' | 'thumbprint' | 'source'> &
  Partial<Pick<PartnerKeyRecord, 'replacesKid' | 'validFrom' | 'expiresAt'>>;

type Row = Awaited<ReturnType<Prisma['partnerKey']['findFirstOrThrow']>>;
const toRecord = (row: Row): PartnerKeyRecord => ({ ...row, jwk: row.jwk as Record<string, unknown>, status: row.status as KeyStatus });

export class KeyRepository {
  constructor(private readonly prisma: Tx) {}

  async find(kid: string): Promise<PartnerKeyRecord | null> {
    const row = await this.prisma.partnerKey.findUnique({ where: { kid } });
    return row ? toRecord(row) : null;
  }

  /** Import: a new key is stored with the given status; a known key keeps its status. */
  async importKey(key: NewPartnerKey, status: KeyStatus): Promise<'created' | 'unchanged'> {
    const existing = await this.prisma.partnerKey.findUnique({ where: { kid: key.kid } });
    if (existing) {
      if (existing.municipality !== key.municipality || existing.thumbprint !== key.thumbprint) {
        throw new Error(`Key ${key.kid} is already stored for municipality ${existing.municipality} with another thumbprint`);
      }
      return 'unchanged';
    }
    await this.prisma.partnerKey.create({ data: { ...key, jwk: key.jwk as object, status } });
    return 'created';
  }

  async update(kid: string, fields: Partial<Pick<PartnerKeyRecord, 'status' | 'reason' | 'retireAt'>>): Promise<PartnerKeyRecord> {
    return toRecord(await this.prisma.partnerKey.update({ where: { kid }, data: fields }));
  }

  async list(where: { municipality?: string; status?: KeyStatus } = {}): Promise<PartnerKeyRecord[]> {
    const rows = await this.prisma.partnerKey.findMany({ where, orderBy: [{ municipality: 'asc' }, { createdAt: 'asc' }] });
    return rows.map(toRecord);
  }

  /** Active keys whose overlap after a rotation has ended. */
  async dueForRetirement(now: Date): Promise<PartnerKeyRecord[]> {
    const rows = await this.prisma.partnerKey.findMany({ where: { status: 'active', retireAt: { lte: now } } });
    return rows.map(toRecord);
  }
}
