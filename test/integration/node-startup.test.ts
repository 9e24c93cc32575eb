import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/gateway/src/config/index.ts';
import { createNode } from '../../services/gateway/src/node.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { amqpUrl } from '../helpers/nodes.ts';

describe('starting a gateway', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-start-'));
  let taken: Server;
  let port: number;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when its port is already in use, then start fails naming the port and the node takes nothing from the broker', async () => {
    const config = loadConfig({
      KB_MUNICIPALITY: '101', PORT: String(port), DATABASE_URL: database.url, AMQP_URL: amqpUrl,
      KB_EXCHANGE: `kbtest-start-${port}`, KB_KEY_DIR: dir, KB_TOKENS: 'startup-test-token-0123456789=admin', LOG_LEVEL: 'silent',
    });
    const node = await createNode(config);
    try {
      await expect(node.start()).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(node.broker.isUp).toBe(false);
    } finally {
      await node.stop();
    }
  });
});
