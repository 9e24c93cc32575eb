import type { Prisma } from './db.ts';

/**
 * Tables the node may only read and append to: the hash-chained logs and the checkpoints of their
 * heads (own, and those received from partners). The node's database role gets no UPDATE, DELETE
 * or TRUNCATE on them (data/database-roles.ts), and triggers refuse those to every other role too.
 */
export const appendOnlyTables = ['AuditEntry', 'ConsentEntry', 'Checkpoint', 'WitnessedCheckpoint'] as const;

// Installed by the database owner's setup step (setup-database.ts) and, where the node's role owns
// the tables (embedded PGlite, single-role setups), by the node at start. Not in a migration,
// because Prisma's migration runner splits SQL on ";" and cannot run a PL/pgSQL body.
// kommunebro_chain_head: the head of a log's hash chain, read after taking the log's advisory lock,
// in one round trip (data/sql.ts chainHead). It is VOLATILE, so its SELECT runs on a snapshot taken
// once the lock was granted and sees an entry another transaction committed while this one waited.
export const appendOnlyGuardStatements = [
  `CREATE OR REPLACE FUNCTION kommunebro_chain_head(lock_key bigint, log regclass) RETURNS TABLE ("seq" integer, "hash" text) AS $$
   BEGIN
     PERFORM pg_advisory_xact_lock(lock_key);
     RETURN QUERY EXECUTE format('SELECT "seq", "hash" FROM %s ORDER BY "seq" DESC LIMIT 1', log);
   END;
   $$ LANGUAGE plpgsql VOLATILE`,
  `CREATE OR REPLACE FUNCTION kommunebro_refuse_change() RETURNS trigger AS $$
   BEGIN
     RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
   END;
   $$ LANGUAGE plpgsql`,
  ...appendOnlyTables.flatMap((table) => [
    `CREATE OR REPLACE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION kommunebro_refuse_change()`,
    `CREATE OR REPLACE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION kommunebro_refuse_change()`,
  ]),
];

const tableList = appendOnlyTables.map((t) => `'${t}'`).join(', ');
const guardsPresent = `SELECT (SELECT count(*)::int FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname IN (${tableList})
    AND t.tgname IN (c.relname || '_append_only', c.relname || '_no_truncate')) AS n,
  (SELECT count(*)::int FROM pg_proc WHERE proname = 'kommunebro_chain_head') AS heads`;

/**
 * At start: the guards are there (the owner's setup step put them), or the node installs them when
 * its role may (it owns the tables); a node role that may not and finds none stops the start.
 */
export async function ensureAppendOnlyGuards(prisma: Prisma): Promise<void> {
  const [row] = await prisma.$queryRawUnsafe<{ n: number; heads: number }[]>(guardsPresent);
  if (row?.n === appendOnlyTables.length * 2 && row.heads === 1) return;
  try {
    for (const sql of appendOnlyGuardStatements) await prisma.$executeRawUnsafe(sql);
  } catch (error) {
    throw new Error(`the log tables lack their append-only triggers and this role cannot install them: run the owner's setup step first (npm run db:migrate, docs/OPERATIONS.md) — ${(error as Error).message}`);
  }
}

/** What the node's own role may still do to the log tables that it must not: owner, UPDATE, DELETE, TRUNCATE. */
export async function logPrivileges(prisma: Prisma): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ table: string; owner: boolean; update: boolean; delete: boolean; truncate: boolean }[]>(
    `SELECT c.relname AS "table", pg_has_role(current_user, c.relowner, 'USAGE') AS owner,
       has_table_privilege(c.oid, 'UPDATE') AS update, has_table_privilege(c.oid, 'DELETE') AS delete,
       has_table_privilege(c.oid, 'TRUNCATE') AS truncate
     FROM pg_class c WHERE c.relkind = 'r' AND c.relname IN (${tableList}) ORDER BY c.relname`,
  );
  return rows.flatMap((r) => (['owner', 'update', 'delete', 'truncate'] as const).filter((p) => r[p]).map((p) => `${r.table}: ${p}`));
}
