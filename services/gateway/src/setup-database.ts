// The database owner's step before a node starts (and after every upgrade): the migrations, the log
// tables' append-only triggers and the node role's grants (data/database-roles.ts). Run with
// DATABASE_OWNER_URL (the owner) and DATABASE_URL (the node's role, which gets grants only).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ConfigError, loadDatabaseSetup } from './config/index.ts';
import { prepareDatabase } from './data/database-roles.ts';

async function main(): Promise<void> {
  let setup;
  try {
    setup = loadDatabaseSetup();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const prisma = createRequire(import.meta.url).resolve('prisma/build/index.js');
  execFileSync(process.execPath, [prisma, 'migrate', 'deploy'], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: setup.ownerUrl, PGLITE_DIR: '' } });
  await prepareDatabase(setup.ownerUrl, setup.nodeRole);
  console.log(setup.nodeRole ? `append-only guards installed; role ${setup.nodeRole} may only read and append to the logs` : 'append-only guards installed; no separate node role (DATABASE_OWNER_URL unset or the same role)');
}

main().catch((error) => {
  console.error(`Database setup failed: ${(error as Error).message}`);
  process.exit(1);
});
