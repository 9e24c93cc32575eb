import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** The real PostgreSQL of the machine (CI starts it). */
export const adminUrl = process.env.KB_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** As the database owner (the superuser here): migrations, setup, and tests that play the owner. */
export function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The role every test node logs in as: it may change the case tables and only read and append to
 * the log tables (data/database-roles.ts). One role for all test databases; each database's grants
 * come with the template it is copied from.
 */
export const nodeRole = 'kb_test_node';

export function nodeDatabaseUrl(name: string): string {
  const url = new URL(databaseUrl(name));
  url.username = nodeRole;
  url.password = '';
  return url.toString();
}

export async function adminQuery(sql: string, database?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: database ? databaseUrl(database) : adminUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The owner's setup besides the migrations: a change to it gets a fresh template too. */
const setupSources = ['services/gateway/src/data/guards.ts', 'services/gateway/src/data/database-roles.ts'];

/** Named after the migrations and the owner's setup, so a changed one gets a fresh template. */
export function templateName(): string {
  const dir = 'prisma/migrations';
  const hash = createHash('sha256');
  for (const file of setupSources) hash.update(readFileSync(file));
  for (const m of readdirSync(dir).sort()) {
    const file = path.join(dir, m, 'migration.sql');
    try {
      hash.update(m).update(readFileSync(file));
    } catch {
      // migration_lock.toml and other files
    }
  }
  return `kb_template_${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Sets up the template once with the owner's real setup step (setup-database.ts: Prisma's
 * migrations, the guards, the node role's grants); each test database is a copy of it.
 */
export async function ensureTemplate(): Promise<void> {
  // Several test runs may share the server: a role another run just made is no failure.
  await adminQuery(`DO $$ BEGIN CREATE ROLE ${nodeRole} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  const name = templateName();
  const exists = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${name}'`);
  if (exists.rowCount) return;
  const building = `${name}_building`;
  await adminQuery(`DROP DATABASE IF EXISTS ${building}`);
  await adminQuery(`CREATE DATABASE ${building}`);
  execFileSync('npx', ['tsx', 'services/gateway/src/setup-database.ts'], {
    env: { ...process.env, PGLITE_DIR: '', DATABASE_OWNER_URL: databaseUrl(building), DATABASE_URL: nodeDatabaseUrl(building) },
    stdio: 'pipe',
  });
  await adminQuery(`ALTER DATABASE ${building} RENAME TO ${name}`);
}

/** `url`: as the node's role (what a node gets); `ownerUrl`: as the owner. */
export async function createTestDatabase(): Promise<{ name: string; url: string; ownerUrl: string; drop: () => Promise<void> }> {
  const name = `kb_test_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`);
  return { name, url: nodeDatabaseUrl(name), ownerUrl: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) };
}

/** Makes a database unreachable for new and existing connections, as an outage would. */
export async function cutDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
}

export async function restoreDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
}
