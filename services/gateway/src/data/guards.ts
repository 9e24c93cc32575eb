import type { Prisma } from './db.ts';

// The audit log and the consent log are append-only: the database itself refuses UPDATE, DELETE
// and TRUNCATE. Installed by the node at every start (idempotent) rather than in a migration,
// because Prisma's migration runner splits SQL on ";" and cannot run a PL/pgSQL body.
const statements = [
  `CREATE OR REPLACE FUNCTION kommunebro_refuse_change() RETURNS trigger AS $$
   BEGIN
     RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
   END;
   $$ LANGUAGE plpgsql`,
  ...['AuditEntry', 'ConsentEntry'].flatMap((table) => [
    `CREATE OR REPLACE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION kommunebro_refuse_change()`,
    `CREATE OR REPLACE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION kommunebro_refuse_change()`,
  ]),
];

export async function installAppendOnlyGuards(prisma: Prisma): Promise<void> {
  for (const sql of statements) await prisma.$executeRawUnsafe(sql);
}
