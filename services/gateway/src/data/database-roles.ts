import pg from 'pg';
import { appendOnlyGuardStatements, appendOnlyTables } from './guards.ts';

/**
 * The database owner's part, after the migrations: the log tables' append-only triggers, and the
 * node's role. That role reads and changes the case tables, but may only read and append to the
 * log tables; it owns nothing, so it can neither switch the triggers off nor drop them. Run again
 * after every migration: a new table gets its grants the same way.
 */
export function grantStatements(nodeRole: string): string[] {
  const role = pg.escapeIdentifier(nodeRole);
  const logs = appendOnlyTables.map((t) => pg.escapeIdentifier(t)).join(', ');
  return [
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
    `REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON ${logs} FROM ${role}`,
    // The node reads the migration history (nothing more): it is the owner's record.
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM ${role}`,
  ];
}

export async function prepareDatabase(ownerUrl: string, nodeRole: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const sql of appendOnlyGuardStatements) await client.query(sql);
    if (nodeRole) {
      const owner = await client.query<{ owner: string }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'AuditEntry' AND relkind = 'r'`);
      if (owner.rows[0]?.owner === nodeRole) throw new Error(`the node's role ${nodeRole} owns the tables: give them to the owner role (ALTER TABLE … OWNER TO) or use another role for the node`);
      for (const sql of grantStatements(nodeRole)) await client.query(sql);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
