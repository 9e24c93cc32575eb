import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { pino } from 'pino';
import { loadConfig, type NodeConfig, type Role } from '../../services/gateway/src/config/index.ts';
import type { SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { OwnKeys } from '../../services/gateway/src/crypto/own-keys.ts';
import { encryptTo } from '../../services/gateway/src/crypto/jwe.ts';
import jose from 'node-jose';
import { createNode, type GatewayNode, type NodeOptions } from '../../services/gateway/src/node.ts';
import { Broker, brokerNames } from '../../services/gateway/src/amqp/broker.ts';
import type { Envelope } from '../../services/gateway/src/domain/envelope.ts';
import { createBrokerUser, deleteBrokerUser, urlFor, type BrokerUser } from '../../services/gateway/src/amqp/broker-users.ts';
import { createTestDatabase } from './postgres.ts';
import { consentRequest } from './messages.ts';
import { ResponseCheck } from './openapi-check.ts';

export const amqpUrl = process.env.KB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const roleToken = (code: string, role: Role) => `test-${code}-${role}-token-0123456789`;
const allRoles: Role[] = ['outreach', 'shelter', 'caseworker', 'finance', 'admin'];

export interface TestNode {
  code: string;
  databaseName: string;
  node: GatewayNode;
  url: string;
  key: SigningKey;
  token: (role: Role) => string;
}

/**
 * Nodes on the real RabbitMQ and PostgreSQL, each with its own database and an exchange of its
 * own test (so queue names never collide), trusting each other's keys as the federation does.
 */
export class TestFederation {
  /** `amqpUrl` / `rabbitNode`: a private RabbitMQ node (test/helpers/private-services.ts) instead of the shared one. */
  constructor(private readonly services: { amqpUrl?: string; rabbitNode?: string; createDatabase?: () => ReturnType<typeof createTestDatabase> } = {}) {}
  get amqpUrl(): string {
    return this.services.amqpUrl ?? amqpUrl;
  }
  readonly exchange = `kbtest-${randomBytes(4).toString('hex')}`;
  /** Each node gets its own broker user, as in production: `<prefix><code>`. */
  readonly brokerPrefix = `kbt${randomBytes(3).toString('hex')}-`;
  private readonly brokerUsers = new Map<string, BrokerUser>();
  readonly dir = mkdtempSync(path.join(tmpdir(), 'kb-test-'));
  readonly trustDir = path.join(this.dir, 'trust');
  readonly nodes = new Map<string, TestNode>();
  private readonly configs = new Map<string, { config: ReturnType<typeof loadConfig>; options: NodeOptions; databaseName: string }>();
  private readonly drops: (() => Promise<void>)[] = [];
  /** Every node's answers are checked against /openapi.json; stop() fails the file when one was not as documented. */
  readonly responseCheck = new ResponseCheck();

  /** Keys are made first so every node can trust every other before it starts. */
  async start(codes: string[], options: NodeOptions & { extraTrusted?: string[]; env?: Record<string, string> } = {}): Promise<void> {
    await this.prepareKeys([...codes, ...(options.extraTrusted ?? [])]);
    for (const code of codes) await this.startNode(code, options, options.env);
  }

  /** Each municipality's signing and encryption keys in its key folder, and its public JWKS in the shared trust folder. */
  async prepareKeys(codes: string[]): Promise<void> {
    for (const code of codes) {
      const jwks = (await OwnKeys.load(this.keyDir(code), code)).jwks();
      writeFileSync(path.join(this.trustDirOf(), `${code}.jwks.json`), JSON.stringify(jwks));
    }
  }

  /**
   * Encrypts a signed JWS to `code`'s encryption key, as a partner's relay does (the node's newest
   * key while it runs, else the one in its key folder).
   */
  async sealFor(code: string, jws: string): Promise<string> {
    const running = this.nodes.get(code)?.node.parts.ownKeys;
    const next = running?.status().encryption.next;
    const key = next ? running!.jwks().keys.find((k) => k.kid === next)! : (running ?? (await OwnKeys.load(this.keyDir(code), code))).encryptionKey().publicJwk;
    return encryptTo(await jose.JWK.asKey(key), jws);
  }

  keyDir(code: string): string {
    return path.join(this.dir, code, 'keys');
  }

  private trustDirOf(): string {
    mkdirSync(this.trustDir, { recursive: true });
    return this.trustDir;
  }

  async startNode(code: string, options: NodeOptions & { waitForBroker?: boolean } = {}, env: Record<string, string> = {}): Promise<TestNode> {
    mkdirSync(this.trustDir, { recursive: true });
    const brokerUser = await createBrokerUser(code, this.exchange, this.brokerPrefix, undefined, this.services.rabbitNode);
    this.brokerUsers.set(code, brokerUser);
    const db = await (this.services.createDatabase ?? createTestDatabase)();
    this.drops.push(db.drop);
    const config = loadConfig({
      KB_MUNICIPALITY: code,
      PORT: '0',
      AMQP_URL: urlFor(this.amqpUrl, brokerUser),
      KB_BROKER_USER_PREFIX: this.brokerPrefix,
      KB_EXCHANGE: this.exchange,
      DATABASE_URL: db.url,
      KB_KEY_DIR: this.keyDir(code),
      KB_TRUST_DIR: this.trustDir,
      KB_TOKENS: allRoles.map((r) => `${roleToken(code, r)}=${r}`).join(','),
      ...env,
    });
    this.configs.set(code, { config, options, databaseName: db.name });
    return this.launch(code, options.waitForBroker !== false);
  }

  private async launch(code: string, waitForBroker = true): Promise<TestNode> {
    const { config, options, databaseName } = this.configs.get(code)!;
    const node = await createNode(config, { log: pino({ level: process.env.KB_TEST_LOG ?? 'silent' }), responseCheck: this.responseCheck.middleware, ...options });
    const url = await node.start();
    if (waitForBroker) await node.waitForBroker();
    const entry = {
      code,
      node,
      url,
      get key() {
        return node.parts.ownKeys.signingKey(node.parts.now());
      },
      token: (role: Role) => roleToken(code, role),
      databaseName,
    };
    this.nodes.set(code, entry);
    return entry;
  }

  /** Stops a node; its database, keys and queue stay, as after a process exit. */
  async stopNode(code: string): Promise<void> {
    await this.get(code).node.stop();
    this.nodes.delete(code);
  }

  /** Starts a stopped node again on the same database and keys (with `changes` to its configuration). */
  restartNode(code: string, changes: Partial<NodeConfig> = {}): Promise<TestNode> {
    const entry = this.configs.get(code)!;
    this.configs.set(code, { ...entry, config: { ...entry.config, ...changes } });
    return this.launch(code);
  }

  /** Records a consent at `code` through its API and returns the consent id. */
  async consent(code: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await asUser(this.get(code), 'outreach').post('/consents', consentRequest(overrides));
    if (res.status !== 201) throw new Error(`POST /consents answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  /** The AMQP URL of a node's own broker user: to publish as that node would. */
  brokerUrl(code: string): string {
    const user = this.brokerUsers.get(code);
    if (!user) throw new Error(`no broker user for ${code}`);
    return urlFor(this.amqpUrl, user);
  }

  get(code: string): TestNode {
    const n = this.nodes.get(code);
    if (!n) throw new Error(`no test node ${code}`);
    return n;
  }

  async stop(): Promise<void> {
    for (const n of this.nodes.values()) await n.node.stop().catch(() => undefined);
    this.nodes.clear();
    for (const drop of this.drops) await drop().catch(() => undefined);
    await deleteBrokerObjects(this.exchange, ['101', '147', '151', '159', '161', '165', '657'], this.amqpUrl).catch(() => undefined);
    for (const user of this.brokerUsers.values()) await deleteBrokerUser(user.user, this.services.rabbitNode);
    rmSync(this.dir, { recursive: true, force: true });
    if (process.env.KB_OPENAPI_SEEN) appendFileSync(process.env.KB_OPENAPI_SEEN, [...this.responseCheck.seen].map((s) => `${s}\n`).join(''));
    this.responseCheck.assertNone();
  }
}

/**
 * Starts a node's broker connection alone (no node around it) on `urls`, waits until it is up, and
 * says whether it was; then stops it and deletes the exchange's objects for `code`.
 */
export async function brokerComesUp(urls: string[], exchange: string, code: string, options?: ConstructorParameters<typeof Broker>[4]): Promise<boolean> {
  const broker = new Broker(urls, brokerNames(exchange, code), pino({ level: 'silent' }), () => undefined, options);
  const up = new Promise((resolve) => broker.once('up', resolve));
  broker.start();
  try {
    await up;
    return broker.isUp;
  } finally {
    await broker.stop();
    await deleteBrokerObjects(exchange, [code]);
  }
}

export async function deleteBrokerObjects(exchange: string, codes: string[], url = amqpUrl): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    for (const code of codes) {
      const names = brokerNames(exchange, code);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteQueue(names.inbox).catch(() => undefined);
      await channel.deleteQueue(names.dead).catch(() => undefined);
      await channel.deleteExchange(names.deadExchange).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Waits until `check` returns a truthy value, or fails naming what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small HTTP client for one test node, as a user with one role. */
export function asUser(node: TestNode, role: Role) {
  const auth = { authorization: `Bearer ${node.token(role)}` };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.url}${path}`, { method, headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return {
    post: (path: string, body: unknown) => call('POST', path, body),
    get: (path: string) => call('GET', path),
    /** Sends and waits until the recipient's receipt marked it delivered. */
    async send(body: unknown): Promise<{ id: string; conversationId: string }> {
      const res = await call('POST', '/messages', body);
      if (res.status !== 202) throw new Error(`send answered ${res.status}: ${JSON.stringify(res.body)}`);
      await eventually(`delivery of ${res.body.id}`, async () => (await node.node.parts.messages.find(res.body.id))?.status === 'delivered');
      return { id: res.body.id, conversationId: res.body.conversationId };
    },
  };
}

/**
 * Sends an envelope past the sender's own pipeline, as a faulty or older partner node would,
 * and returns the message once the recipient's error signal marked it rejected.
 */
export async function sendUnchecked(sender: TestNode, envelope: Envelope) {
  const deps = sender.node.parts;
  await deps.messages.storeOutbound(envelope);
  deps.nudgeRelay();
  return eventually(`rejection of ${envelope.id}`, async () => {
    const m = await deps.messages.find(envelope.id);
    return m?.status === 'rejected' ? m : undefined;
  });
}
