import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Prisma, Tx } from './db.ts';

/**
 * Plain SQL for the hot paths (message stores, log appends, savepoints, relay updates). Prisma
 * compiles every request, raw ones included, in its WebAssembly query compiler; on the message
 * path that was about a third of a node's CPU (`npm run bench` with `BENCH_CPU_PROF`). On
 * PostgreSQL these statements go straight to the pg connection Prisma's transaction holds (or to
 * the pool outside one), so they stay inside the same transaction; elsewhere (PGlite) they fall
 * back to Prisma's raw queries. Dates are passed as ISO
 * strings and cast: the columns are `timestamp(3)` in UTC, and pg would send a Date in local time.
 */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /** For statements that return no rows (a lock, a savepoint); the number of rows changed. */
  execute(text: string, values?: unknown[]): Promise<number>;
}

const bound = new WeakMap<object, Sql>();

// `timestamp(3)` columns hold UTC without a zone; pg alone would read them as local time.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.TIMESTAMP ? (value: string) => new Date(`${value.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Statements with parameters are named, so each connection parses and plans them once and then
 * only binds and executes (pg prepares a named statement on a connection's first use of it). A
 * name is the hash of the text: one text, one name. A migration that changes a table's columns
 * while a node runs makes its prepared `SELECT *` fail; nodes are stopped for migrations.
 */
const names = new Map<string, string>();
function statement(text: string, values: unknown[]): pg.QueryConfig {
  if (values.length === 0) return { text, values, types } as pg.QueryConfig;
  let name = names.get(text);
  if (!name) names.set(text, (name = `kb_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`));
  return { name, text, values, types } as pg.QueryConfig;
}

function onPg(client: pg.Pool | pg.PoolClient): Sql {
  return {
    query: async <Row>(text: string, values: unknown[] = []) => (await client.query(statement(text, values))).rows as Row[],
    execute: async (text, values = []) => (await client.query(statement(text, values))).rowCount ?? 0,
  };
}

/** The SQL runner of a transaction or of the client outside one. */
export function sqlOf(db: Tx | Prisma): Sql {
  return (
    bound.get(db) ?? {
      query: <Row>(text: string, values: unknown[] = []) => db.$queryRawUnsafe<Row[]>(text, ...values),
      execute: (text, values = []) => db.$executeRawUnsafe(text, ...values),
    }
  );
}

/** Outside a transaction, plain SQL goes to the node's pool. */
export function bindPool(prisma: Prisma, pool: pg.Pool): void {
  bound.set(prisma, onPg(pool));
}

/** Filled by the driver adapter (data/pg-pool.ts) with the connection of the transaction it starts. */
const startingTransaction = new AsyncLocalStorage<{ client?: pg.PoolClient }>();

export function transactionStarted(client: pg.PoolClient): void {
  const slot = startingTransaction.getStore();
  if (slot) slot.client = client;
}

/** Prisma's interactive transaction whose `tx` also answers `sqlOf(tx)` on its own connection. */
export function transactionWithSql<T>(prisma: Prisma, work: (tx: Tx) => Promise<T>, options: { maxWait: number; timeout: number }): Promise<T> {
  const slot: { client?: pg.PoolClient } = {};
  return startingTransaction.run(slot, () =>
    prisma.$transaction(async (tx) => {
      if (slot.client) {
        bound.set(tx, onPg(slot.client));
        chainHeads.set(tx, new Map());
      }
      return work(tx);
    }, options),
  );
}

/**
 * The head of a hash chain as this transaction left it. Once a transaction holds a log's advisory
 * lock no one else appends, so the next append of the same transaction (a group commit's next unit)
 * needs neither the lock nor a read again. A unit rolled back to its savepoint may have appended:
 * the group commit forgets the heads then (`forgetChainHeads`). Kept only for the transactions of
 * `transactionWithSql`, never for a client outside a transaction.
 */
const chainHeads = new WeakMap<object, Map<string, { seq: number; hash: string }>>();

export async function chainHead(tx: Tx, table: 'AuditEntry' | 'ConsentEntry', lock: number): Promise<{ seq: number; hash: string } | undefined> {
  const known = chainHeads.get(tx)?.get(table);
  if (known) return known;
  // The lock, then the head as it is once the lock is granted: one round trip (data/guards.ts).
  const [last] = await sqlOf(tx).query<{ seq: number; hash: string }>(`SELECT "seq", "hash" FROM kommunebro_chain_head(${lock}, '"${table}"')`);
  return last;
}

export function chainAppended(tx: Tx, table: 'AuditEntry' | 'ConsentEntry', head: { seq: number; hash: string }): void {
  chainHeads.get(tx)?.set(table, head);
}

export function forgetChainHeads(tx: Tx): void {
  chainHeads.get(tx)?.clear();
}

/** A unique constraint refused the row: Prisma's P2002, PostgreSQL's 23505 through pg or through a raw query (P2010). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { code?: string } } } };
  return e.code === 'P2002' || e.code === '23505' || (e.code === 'P2010' && e.meta?.driverAdapterError?.cause?.code === '23505');
}

export const timestamp = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
export const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
