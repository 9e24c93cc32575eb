import type { PrismaPg } from '@prisma/adapter-pg';
import { pino, type Logger } from 'pino';
import { PrismaClient } from './generated/client.ts';
import { migrateEmbedded } from './migrate.ts';
import { ensureAppendOnlyGuards, logPrivileges } from './guards.ts';
import { mkdirSync } from 'node:fs';
import { createPool, ReleasingPrismaPg } from './pg-pool.ts';
import { bindPool, transactionWithSql } from './sql.ts';

export type Prisma = PrismaClient;
/** A transaction's client; PrismaClient itself fits too, so repositories work inside and outside one. */
export type Tx = Parameters<Parameters<Prisma['$transaction']>[0]>[0];
/**
 * A group commit's transaction holds many stores (data/group-commit.ts): Prisma's default 5 s
 * lifetime is too short for a full batch on a busy machine.
 */
const transactionLimits = { maxWait: 10_000, timeout: 30_000 };
export type TransactionRunner = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

export interface Database {
  prisma: PrismaClient;
  transaction: TransactionRunner;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Connections the node may hold at once; the inbound prefetch is sized from it (node.ts). */
  poolSize?: number;
  /** What this role may do to the log tables that it should not (owner, update, …); empty with a separate node role. */
  logPrivileges: string[];
}

/** Deliveries processed at once: the pool size minus room for the API and the outbox relay. */
export function prefetchFor(db: Database): number {
  return db.poolSize ? Math.max(1, db.poolSize - 2) : 64;
}

/**
 * Embedded PostgreSQL's buffer cache: its default 128 MB lives in the node's own memory (PGlite's
 * WebAssembly heap) and was most of an idle embedded node's RSS; an embedded node's database is small.
 */
const pgliteSettings = ['-c', 'shared_buffers=16MB'];

/**
 * PostgreSQL when a URL is given (migrated beforehand with `prisma migrate deploy`), else the
 * embedded PGlite folder, which is migrated here.
 */
export async function openDatabase(options: { databaseUrl?: string; pgliteDir?: string; dbPoolSize?: number; log?: Logger }): Promise<Database> {
  if (options.databaseUrl) {
    const poolSize = options.dbPoolSize ?? 10;
    const pool = createPool(options.databaseUrl, poolSize, options.log ?? pino({ level: 'silent' }));
    const prisma = new PrismaClient({ adapter: new ReleasingPrismaPg(pool) });
    bindPool(prisma, pool);
    await ensureAppendOnlyGuards(prisma);
    return {
      prisma,
      transaction: (work) => transactionWithSql(prisma, work, transactionLimits),
      poolSize,
      logPrivileges: await logPrivileges(prisma),
      ping: async () => void (await prisma.$queryRawUnsafe('SELECT 1')),
      close: async () => {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  if (!options.pgliteDir) throw new Error('openDatabase needs a databaseUrl or a pgliteDir');
  mkdirSync(options.pgliteDir, { recursive: true });
  // Loaded only here: a node on PostgreSQL never needs PGlite's code in its memory.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pglite = new PGlite(options.pgliteDir, { startParams: [...PGlite.defaultStartParams, ...pgliteSettings] });
  await migrateEmbedded(pglite);
  // pglite-prisma-adapter is built against another driver-adapter-utils version: same shape, other types.
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as unknown as PrismaPg });
  await ensureAppendOnlyGuards(prisma);
  return {
    prisma,
    transaction: (work) => prisma.$transaction(work, transactionLimits),
    // PGlite has one user, which owns everything: the role separation needs PostgreSQL.
    logPrivileges: await logPrivileges(prisma),
    ping: async () => void (await prisma.$queryRawUnsafe('SELECT 1')),
    // $disconnect does not close PGlite; without this the process never exits.
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
