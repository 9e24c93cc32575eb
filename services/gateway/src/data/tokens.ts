import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../config/index.ts';
import type { Prisma } from './db.ts';
import { sqlOf } from './sql.ts';

export interface TokenRecord {
  id: string;
  role: Role;
  label: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

const columns = { id: true, role: true, label: true, expiresAt: true, revokedAt: true, createdAt: true } as const;

/**
 * Bearer tokens are kept as SHA-256 hashes only; the token itself is shown once, when made. A
 * token found is remembered for `cacheMs` (every API request is authenticated, most by the same
 * few tokens); a revocation through this node forgets it at once, one made in the database by
 * hand takes effect within `cacheMs`. Unknown tokens are not remembered, so guessing fills nothing.
 */
export class TokenRepository {
  private readonly cache = new Map<string, { record: TokenRecord; until: number }>();
  /** Counts revocations: a look-up that a revocation overtook does not put its stale answer in the cache. */
  private revocations = 0;

  constructor(
    private readonly prisma: Prisma,
    private readonly cacheMs = 5_000,
    private readonly cacheSize = 1_000,
  ) {}

  async create(role: Role, label: string, expiresAt: Date | null): Promise<TokenRecord & { token: string }> {
    const token = `kb_${randomBytes(24).toString('base64url')}`;
    const row = await this.prisma.apiToken.create({ data: { id: randomUUID(), hash: tokenHash(token), role, label, expiresAt }, select: columns });
    return { ...(row as TokenRecord), token };
  }

  /** Tokens from configuration (KB_TOKENS): stored hashed at start, idempotently. */
  async provision(token: string, role: Role, label: string): Promise<void> {
    const hash = tokenHash(token);
    await this.prisma.apiToken.upsert({ where: { hash }, create: { id: randomUUID(), hash, role, label, expiresAt: null }, update: { role } });
  }

  async findByToken(token: string): Promise<TokenRecord | null> {
    const hash = tokenHash(token);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.record;
    this.cache.delete(hash);
    const revocations = this.revocations;
    // Plain SQL (data/sql.ts): every API request is authenticated here.
    const [row] = await sqlOf(this.prisma).query<TokenRecord>(`SELECT "id", "role", "label", "expiresAt", "revokedAt", "createdAt" FROM "ApiToken" WHERE "hash" = $1`, [hash]);
    if (!row || revocations !== this.revocations) return row ?? null;
    // The oldest entry makes room: a Map iterates in insertion order.
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { record: row, until: Date.now() + this.cacheMs });
    return row;
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.prisma.apiToken.findMany({ orderBy: { createdAt: 'asc' }, select: columns })) as TokenRecord[];
  }

  async revoke(id: string, at: Date): Promise<TokenRecord | null> {
    const { count } = await this.prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    if (count === 0) return null;
    this.revocations++;
    for (const [hash, { record }] of this.cache) if (record.id === id) this.cache.delete(hash);
    return (await this.prisma.apiToken.findUnique({ where: { id }, select: columns })) as TokenRecord;
  }
}
