import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** The real PostgreSQL of the machine (CI starts it). */
export const adminUrl = process.env.KB_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
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

/** Named after the migrations, so a changed migration gets a fresh template. */
export function templateName(): string {
  const dir = 'prisma/migrations';
  const hash = createHash('sha256');
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

/** Migrates the template once with the real Prisma CLI; each test database is a copy of it. */
export async function ensureTemplate(): Promise<void> {
  const name = templateName();
  const exists = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${name}'`);
  if (exists.rowCount) return;
  const building = `${name}_building`;
  await adminQuery(`DROP DATABASE IF EXISTS ${building}`);
  await adminQuery(`CREATE DATABASE ${building}`);
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], { env: { ...process.env, PGLITE_DIR: '', DATABASE_URL: databaseUrl(building) }, stdio: 'pipe' });
  await adminQuery(`ALTER DATABASE ${building} RENAME TO ${name}`);
}

export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `kb_test_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`);
  return { name, url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) };
}

/** Makes a database unreachable for new and existing connections, as an outage would. */
export async function cutDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
}

export async function restoreDatabase(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
}
