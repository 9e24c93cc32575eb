// The demo's own federation: in-process gateway nodes on the real RabbitMQ (an exchange of their
// own) with embedded PGlite databases in a temporary folder, and one clock the demo moves, so the
// seed stories run over realistic dates with every deadline judged on them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { pino } from 'pino';
import { loadConfig, roles, type Role } from '../../gateway/src/config/index.ts';
import { OwnKeys } from '../../gateway/src/crypto/own-keys.ts';
import { createNode, type GatewayNode } from '../../gateway/src/node.ts';
import { brokerNames } from '../../gateway/src/amqp/broker.ts';

export interface DemoNode {
  code: string;
  url: string;
  node: GatewayNode;
  token: (role: Role) => string;
}

export class DemoFederation {
  readonly exchange = `kbdemo-${randomBytes(4).toString('hex')}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'kb-demo-'));
  readonly nodes = new Map<string, DemoNode>();
  private readonly amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

  constructor(private readonly now: () => Date) {}

  async start(codes: string[]): Promise<void> {
    const trustDir = path.join(this.dir, 'trust');
    mkdirSync(trustDir, { recursive: true });
    for (const code of codes) {
      const jwks = (await OwnKeys.load(path.join(this.dir, code, 'keys'), code)).jwks();
      writeFileSync(path.join(trustDir, `${code}.jwks.json`), JSON.stringify(jwks));
    }
    for (const code of codes) {
      const token = (role: Role) => `demo-${code}-${role}-${this.exchange}`;
      const config = loadConfig({
        KB_MUNICIPALITY: code,
        PORT: '0',
        AMQP_URL: this.amqpUrl,
        KB_EXCHANGE: this.exchange,
        PGLITE_DIR: path.join(this.dir, code, 'db'),
        KB_KEY_DIR: path.join(this.dir, code, 'keys'),
        KB_TRUST_DIR: trustDir,
        KB_TOKENS: roles.map((r) => `${token(r)}=${r}`).join(','),
      });
      const node = await createNode(config, { now: this.now, log: pino({ level: 'silent' }) });
      const url = await node.start();
      await node.waitForBroker();
      this.nodes.set(code, { code, url, node, token });
    }
  }

  get(code: string): DemoNode {
    const n = this.nodes.get(code);
    if (!n) throw new Error(`no demo node ${code}`);
    return n;
  }

  /** Stops every node, removes the demo's queues and exchange, and its folder. */
  async stop(): Promise<void> {
    for (const n of this.nodes.values()) await n.node.stop().catch(() => undefined);
    const connection = await amqp.connect(this.amqpUrl).catch(() => undefined);
    if (connection) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      for (const code of this.nodes.keys()) {
        const names = brokerNames(this.exchange, code);
        await channel.deleteQueue(names.inbox).catch(() => undefined);
        await channel.deleteQueue(names.dead).catch(() => undefined);
        await channel.deleteExchange(names.deadExchange).catch(() => undefined);
      }
      await channel.deleteExchange(this.exchange).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
