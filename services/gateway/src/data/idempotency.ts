import type { Prisma } from './db.ts';

export const idempotencyWindowMs = 24 * 3600_000;

export interface IdempotentAnswer {
  requestHash: string;
  /** 0 while the first request is still being handled. */
  status: number;
  body: unknown;
}

/** The first answer per caller and Idempotency-Key, kept 24 hours (issue 12). */
export class IdempotencyRepository {
  constructor(private readonly prisma: Prisma) {}

  async find(caller: string, key: string, now: Date): Promise<IdempotentAnswer | undefined> {
    const row = await this.prisma.idempotencyRecord.findUnique({ where: { caller_key: { caller, key } } });
    if (!row || row.createdAt.getTime() <= now.getTime() - idempotencyWindowMs) return undefined;
    return { requestHash: row.requestHash, status: row.status, body: row.body };
  }

  /** Claims the key; false when another request holds it (or answered it) within the window. */
  async reserve(caller: string, key: string, requestHash: string, now: Date): Promise<boolean> {
    const expired = new Date(now.getTime() - idempotencyWindowMs);
    const claimed = await this.prisma.$executeRaw`
      INSERT INTO "IdempotencyRecord" ("caller", "key", "requestHash", "status", "createdAt") VALUES (${caller}, ${key}, ${requestHash}, 0, ${now})
      ON CONFLICT ("caller", "key") DO UPDATE SET "requestHash" = EXCLUDED."requestHash", "status" = 0, "body" = NULL, "createdAt" = EXCLUDED."createdAt"
      WHERE "IdempotencyRecord"."createdAt" <= ${expired}`;
    return claimed === 1;
  }

  async complete(caller: string, key: string, status: number, body: unknown): Promise<void> {
    await this.prisma.idempotencyRecord.update({ where: { caller_key: { caller, key } }, data: { status, body: body as object } });
  }

  /** A request that failed leaves nothing behind: the same key may be tried again. */
  async release(caller: string, key: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({ where: { caller, key, status: 0 } });
  }
}
