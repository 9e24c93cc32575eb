import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase } from '../../services/gateway/src/data/db.ts';
import { appendAudit } from '../../services/gateway/src/data/audit.ts';
import { createTestDatabase, nodeRole } from '../helpers/postgres.ts';

// The node's role against a database set up by the owner's step (setup-database.ts, run on the
// template): the case tables are its to change, the log tables only to read and append to.
describe('database roles: when the node logs in with its own role', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  const asNode = (sql: string) => client.query(sql);

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ databaseUrl: database.ownerUrl });
    await db.prisma.$transaction((tx) => appendAudit(tx, { actor: 'test', action: 'test.entry', outcome: 'done' }));
    await db.close();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('when it reads who it is, then it is the node role, not the owner of the tables', async () => {
    const { rows } = await asNode(`SELECT current_user AS who, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'AuditEntry'`);
    expect(rows).toEqual([{ who: nodeRole, owner: 'postgres' }]);
  });

  it('when it appends to and reads the audit log, then PostgreSQL allows it', async () => {
    await asNode(`INSERT INTO "AuditEntry" (seq, actor, action, outcome, "prevHash", hash) VALUES (2, 'node', 'x', 'done', 'a', 'b')`);
    expect((await asNode(`SELECT count(*)::int AS n FROM "AuditEntry"`)).rows).toEqual([{ n: 2 }]);
  });

  it('when it tries UPDATE, DELETE or TRUNCATE on a log table, then PostgreSQL refuses it for want of the privilege', async () => {
    for (const sql of [
      `UPDATE "AuditEntry" SET actor = 'someone-else' WHERE seq = 1`,
      `DELETE FROM "AuditEntry" WHERE seq = 1`,
      `TRUNCATE "AuditEntry"`,
      `UPDATE "ConsentEntry" SET cpr = NULL`,
      `DELETE FROM "Checkpoint"`,
      `DELETE FROM "WitnessedCheckpoint"`,
    ]) {
      await expect(asNode(sql), sql).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/^permission denied for table/) });
    }
  });

  it('when it tries to switch off or drop the append-only triggers, then PostgreSQL refuses: only the owner may', async () => {
    await expect(asNode(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`)).rejects.toMatchObject({ code: '42501', message: 'must be owner of table AuditEntry' });
    await expect(asNode(`DROP TRIGGER "AuditEntry_append_only" ON "AuditEntry"`)).rejects.toMatchObject({ code: '42501', message: 'must be owner of relation AuditEntry' });
    await expect(asNode(`ALTER TABLE "AuditEntry" OWNER TO ${nodeRole}`)).rejects.toMatchObject({ code: '42501' });
  });

  it('when it changes case records, then PostgreSQL allows it', async () => {
    await asNode(`INSERT INTO "ApiToken" (id, hash, role, label) VALUES ('t1', 'h1', 'admin', 'test')`);
    await asNode(`UPDATE "ApiToken" SET label = 'renamed' WHERE id = 't1'`);
    await asNode(`DELETE FROM "ApiToken" WHERE id = 't1'`);
    expect((await asNode(`SELECT count(*)::int AS n FROM "ApiToken" WHERE id = 't1'`)).rows).toEqual([{ n: 0 }]);
  });

  it('when the node opens the database, then with its own role it may do nothing it should not to the logs, and as the owner it is told what it may', async () => {
    const asNodeRole = await openDatabase({ databaseUrl: database.url, dbPoolSize: 3 });
    const asOwner = await openDatabase({ databaseUrl: database.ownerUrl, dbPoolSize: 3 });
    try {
      expect(asNodeRole.logPrivileges).toEqual([]);
      expect(asOwner.logPrivileges).toContain('AuditEntry: owner');
      expect(asOwner.logPrivileges).toContain('AuditEntry: update');
    } finally {
      await asNodeRole.close();
      await asOwner.close();
    }
  });
});
