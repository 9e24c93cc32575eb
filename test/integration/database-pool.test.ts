import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../services/gateway/src/data/db.ts';
import { adminQuery, createTestDatabase } from '../helpers/postgres.ts';

// issue 12: PostgreSQL terminating the connections of open transactions must not leak the pool
// (COMMIT fails, the adapter never released) nor crash the process (an unhandled 'error' event).
describe('when PostgreSQL terminates the connections of open transactions', () => {
  let test: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  beforeAll(async () => {
    test = await createTestDatabase();
    db = await openDatabase({ databaseUrl: test.url, dbPoolSize: 3 });
  });
  afterAll(async () => {
    await db?.close();
    await test?.drop();
  });

  it('then every connection goes back to the pool and the next query works', async () => {
    let proceed!: () => void;
    const terminated = new Promise<void>((resolve) => (proceed = resolve));
    let open = 0;
    // As many open transactions as the pool has connections, each idle inside its transaction.
    const transactions = [1, 2, 3].map(() =>
      db.prisma.$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1');
          open++;
          await terminated;
          await tx.$queryRawUnsafe('SELECT 1').catch(() => undefined);
        },
        { timeout: 20_000, maxWait: 10_000 },
      ),
    );
    while (open < 3) await new Promise((r) => setTimeout(r, 20));
    const killed = await adminQuery(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = '${test.name}' AND pid <> pg_backend_pid()`);
    expect(killed.rowCount).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 200));
    proceed();
    const outcomes = await Promise.allSettled(transactions);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // Within the pool's 3 s connection timeout: a leaked pool answers "timeout exceeded when trying to connect".
    await expect(db.ping()).resolves.toBeUndefined();
    expect(await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
  }, 30_000);
});
