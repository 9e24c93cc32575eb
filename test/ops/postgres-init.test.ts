import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { adminQuery, adminUrl } from '../helpers/postgres.ts';

const exec = promisify(execFile);

// deploy/postgres/init-databases.sh, as the postgres image runs it at first start, on the real
// PostgreSQL with throw-away codes: per node a database owned by an owner role, and the node's own
// role, which can log in but owns nothing.
describe('deploy/postgres/init-databases.sh', () => {
  const codes = [`t${randomBytes(3).toString('hex')}`, `t${randomBytes(3).toString('hex')}`];
  const url = new URL(adminUrl);
  const env = { ...process.env, PGHOST: url.hostname, PGPORT: url.port || '5432', POSTGRES_USER: decodeURIComponent(url.username), KB_NODES: codes.join(' ') };

  afterAll(async () => {
    for (const code of codes) {
      await adminQuery(`DROP DATABASE IF EXISTS kb${code} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS kb${code}`);
      await adminQuery(`DROP ROLE IF EXISTS kb${code}_owner`);
    }
  });

  it('when a node has no password in the environment, then it stops and names the variable', async () => {
    await expect(exec('sh', ['deploy/postgres/init-databases.sh'], { env })).rejects.toThrow(`KB_DB_PASSWORD_${codes[0]} is not set`);
  });

  it('when a node has no owner password in the environment, then it stops and names the variable', async () => {
    await expect(exec('sh', ['deploy/postgres/init-databases.sh'], { env: { ...env, [`KB_DB_PASSWORD_${codes[0]}`]: 'pw-a' } })).rejects.toThrow(`KB_DB_OWNER_PASSWORD_${codes[0]} is not set`);
  });

  it('when every node has its passwords, then each gets a database its owner role owns, and a node role that logs in but may create nothing', async () => {
    const passwords = { [`KB_DB_PASSWORD_${codes[0]}`]: 'pw-a', [`KB_DB_PASSWORD_${codes[1]}`]: 'pw-b', [`KB_DB_OWNER_PASSWORD_${codes[0]}`]: 'pw-oa', [`KB_DB_OWNER_PASSWORD_${codes[1]}`]: 'pw-ob' };
    await exec('sh', ['deploy/postgres/init-databases.sh'], { env: { ...env, ...passwords } });
    const owners = await adminQuery(`SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname IN ('kb${codes[0]}', 'kb${codes[1]}') ORDER BY datname`);
    expect(owners.rows).toEqual(codes.map((c) => `kb${c}`).sort().map((name) => ({ datname: name, owner: `${name}_owner` })));
    const client = new pg.Client({ host: url.hostname, port: Number(url.port || 5432), user: `kb${codes[0]}`, password: 'pw-a', database: `kb${codes[0]}` });
    await client.connect();
    try {
      expect((await client.query('SELECT current_user AS who, current_database() AS db')).rows).toEqual([{ who: `kb${codes[0]}`, db: `kb${codes[0]}` }]);
      await expect(client.query('CREATE TABLE mine (id int)')).rejects.toMatchObject({ code: '42501', message: 'permission denied for schema public' });
    } finally {
      await client.end();
    }
  });
});
