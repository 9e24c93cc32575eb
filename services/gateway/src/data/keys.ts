import type { Prisma } from './db.ts';

export type KeyStatus = 'pending' | 'active' | 'retired' | 'revoked';

export interface PartnerKeyRecord {
  kid: string;
  municipality: string;
  jwk: Record<string, unknown>;
  status: KeyStatus;
  thumbprint: string;
  source: string;
}

export class KeyRepository {
  constructor(private readonly prisma: Prisma) {}

  async find(kid: string): Promise<PartnerKeyRecord | null> {
    const row = await this.prisma.partnerKey.findUnique({ where: { kid } });
    return row ? { ...row, jwk: row.jwk as Record<string, unknown>, status: row.status as KeyStatus } : null;
  }

  /** Import: a new key is stored with the given status; a known key keeps its status. */
  async importKey(key: Omit<PartnerKeyRecord, 'status'>, status: KeyStatus): Promise<'created' | 'unchanged'> {
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

  async list(): Promise<PartnerKeyRecord[]> {
    const rows = await this.prisma.partnerKey.findMany({ orderBy: [{ municipality: 'asc' }, { createdAt: 'asc' }] });
    return rows.map((row) => ({ ...row, jwk: row.jwk as Record<string, unknown>, status: row.status as KeyStatus }));
  }
}
