import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../helpers/postgres.ts';
import { amqpUrl, deleteBrokerObjects, eventually } from '../helpers/nodes.ts';
import { buildOnce, compiledCli, freePort, startCompiledNode, type CompiledNode } from './compiled.ts';

describe('production run mode: when the gateway is compiled with npm run build and started with node', () => {
  const exchange = `kbtest-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-compiled-'));
  const admin = 'compiled-admin-token-0123456789';
  let drop: () => Promise<void>;
  let node: CompiledNode;

  beforeAll(async () => {
    buildOnce();
    const db = await createTestDatabase();
    drop = db.drop;
    node = await startCompiledNode({ KB_MUNICIPALITY: '101', DATABASE_URL: db.url, AMQP_URL: amqpUrl, KB_EXCHANGE: exchange, KB_KEY_DIR: path.join(dir, 'keys'), KB_TOKENS: `${admin}=admin` }, await freePort());
  }, 120_000);
  afterAll(async () => {
    await node?.stop();
    await drop?.();
    await deleteBrokerObjects(exchange, ['101']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('then /health says database and broker are up, with a request id', async () => {
    const res = await fetch(`${node.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toMatchObject({ status: 'up', municipality: '101', checks: { database: 'up', broker: 'up' } });
  });

  it('then the compiled admin CLI verifies both hash chains', () => {
    const result = compiledCli(['--node', node.url, '--token', admin, 'logs', 'verify']);
    expect(result.out).toMatch(/^audit log: intact, \d+ entries$/m);
    expect(result.out).toMatch(/^consent log: intact, 0 entries$/m);
    expect(result.code).toBe(0);
  });

  it('then the access log is JSON lines with the route and no token', async () => {
    const res = await fetch(`${node.url}/audit/verify`, { headers: { authorization: `Bearer ${admin}` } });
    const id = res.headers.get('x-request-id');
    const lines = () => node.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const line = await eventually('the access log line', async () => lines().find((l) => l.reqId === id));
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: '/audit/verify', status: 200, role: 'admin' });
    expect(node.output()).not.toContain(admin);
  });

  it('when it gets SIGTERM, then it stops cleanly with exit code 0', async () => {
    expect(await node.stop()).toBe(0);
    expect(node.output()).toContain('gateway stopped');
  });
});
