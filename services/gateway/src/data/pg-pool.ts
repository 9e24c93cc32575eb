import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Logger } from 'pino';
import { transactionStarted } from './sql.ts';

/**
 * The node's own pool. Every client gets a permanent 'error' listener the moment it connects:
 * pg-pool listens only while a client is idle, and a client terminated by the server
 * ("terminating connection due to administrator command") while checked out, before the driver
 * adapter attached its own listener, would otherwise crash the process with an unhandled 'error'.
 */
export function createPool(connectionString: string, max: number, log: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30_000 });
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn({ err: error.message }, 'database connection lost'));
  });
  pool.on('error', (error) => log.warn({ err: error.message }, 'idle database connection lost'));
  return pool;
}

type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/**
 * Prisma's transaction manager sends COMMIT / ROLLBACK with `executeRaw` and only then calls the
 * adapter's `commit()` / `rollback()`, the only places the connection goes back to the pool. When
 * that statement fails (the server terminated the connection), the connection stayed checked out
 * for good and the pool ran dry. Here a failed COMMIT / ROLLBACK releases (and destroys) it.
 */
export function releaseOnFailedEnd(tx: Transaction): Transaction {
  const inner = tx as unknown as { client: pg.PoolClient; cleanup?: () => void };
  let released = false;
  const release = (destroy: boolean) => {
    if (released) return;
    released = true;
    inner.cleanup?.();
    inner.client.release(destroy);
  };
  const executeRaw = tx.executeRaw.bind(tx);
  tx.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.sql === 'COMMIT' || query.sql === 'ROLLBACK') release(true);
      throw error;
    }
  };
  tx.commit = async () => release(false);
  tx.rollback = async () => release(false);
  return tx;
}

/** PrismaPg on an external pool, with transactions that always give their connection back. */
export class ReleasingPrismaPg extends PrismaPg {
  override async connect(): Promise<Adapter> {
    const adapter = await super.connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = releaseOnFailedEnd(await start(isolationLevel));
      // Plain SQL of the same transaction runs on this connection (data/sql.ts).
      transactionStarted((tx as unknown as { client: pg.PoolClient }).client);
      return tx;
    };
    return adapter;
  }
}
