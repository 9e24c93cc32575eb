import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import type { NodeConfig } from './config/index.ts';
import { Broker, brokerNames } from './amqp/broker.ts';
import { DeadLetterQueue } from './amqp/dead-letters.ts';
import { InboundConsumer, defaultRetryPolicy, type RetryPolicy } from './amqp/consumer.ts';
import { OwnKeys } from './crypto/own-keys.ts';
import { TrustStore } from './crypto/trust-store.ts';
import { AuditRepository } from './data/audit.ts';
import { openDatabase, type Database } from './data/db.ts';
import { KeyRepository } from './data/keys.ts';
import { MessageRepository } from './data/messages.ts';
import { ConversationRepository } from './data/conversations.ts';
import { ConsentRepository } from './data/consents.ts';
import { OutboxRepository } from './data/outbox.ts';
import { Contracts } from './domain/contracts.ts';
import { SchemaRegistry } from './domain/schemas.ts';
import { createApp } from './http/app.ts';
import { FailureLimiter } from './http/auth.ts';
import type { PipelineDeps } from './pipeline/context.ts';
import { createMetrics } from './pipeline/metrics.ts';
import { OutboxRelay } from './pipeline/relay.ts';
import { DeadlineWatch } from './pipeline/deadlines.ts';
import { KeyWatch } from './pipeline/key-watch.ts';
import { TokenRepository } from './data/tokens.ts';
import { InvoiceRepository } from './data/invoices.ts';

export interface NodeOptions {
  log?: Logger;
  now?: () => Date;
  retry?: RetryPolicy;
}

export type GatewayNode = Awaited<ReturnType<typeof createNode>>;

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/**
 * The composition root of one municipality's gateway. Schemas and contracts compile first, so a
 * broken one stops the start; the broker may be down at start: the node reconnects by itself.
 */
export async function createNode(config: NodeConfig, options: NodeOptions = {}) {
  const log = options.log ?? pino({ level: config.logLevel, base: { node: config.municipality } });
  const schemas = new SchemaRegistry();
  const contracts = new Contracts(config.contractDir);
  const ownKeys = await OwnKeys.load(config.keyDir, config.municipality);
  const db: Database = await openDatabase(config);
  const keys = new KeyRepository(db.prisma);
  const audit = new AuditRepository(db.prisma);
  const tokens = new TokenRepository(db.prisma);
  for (const [token, role] of config.tokens) await tokens.provision(token, role, 'configuration');
  const messages = new MessageRepository(db.prisma);
  const trust = new TrustStore(keys, audit, messages);
  if (config.trustDir) {
    const imported = await trust.importDirectory(config.trustDir);
    if (imported.length > 0) log.info({ kids: imported }, 'partner keys imported from the trust folder');
  }
  let relay: OutboxRelay | undefined;
  const deps: PipelineDeps = {
    municipality: config.municipality,
    schemas,
    contracts,
    messages,
    conversations: new ConversationRepository(db.prisma),
    consents: new ConsentRepository(db.prisma),
    outbox: new OutboxRepository(db.prisma),
    audit,
    trust,
    ownKeys,
    metrics: createMetrics(config.municipality),
    log,
    maxMessageBytes: config.maxMessageBytes,
    settings: { brokerUserPrefix: config.brokerUserPrefix, keyRotationLeadMs: config.keyRotationLeadMs, keyOverlapMs: config.keyOverlapMs },
    tokens,
    invoices: new InvoiceRepository(db.prisma),
    now: options.now ?? (() => new Date()),
    events: new EventEmitter().setMaxListeners(0),
    nudgeRelay: () => relay?.nudge(),
  };
  const consumer = new InboundConsumer(deps, () => broker, options.retry ?? defaultRetryPolicy);
  const broker = new Broker(config.amqpUrl, brokerNames(config.exchange, config.municipality), log, consumer.handle);
  relay = new OutboxRelay(deps, () => broker);
  const deadlineWatch = new DeadlineWatch(deps);
  const keyWatch = new KeyWatch(deps, config.keyWatchMs);
  if (!config.brokerUserPrefix) log.warn('KB_BROKER_USER_PREFIX is unset: the broker user of inbound messages is not checked');
  broker.on('up', () => relay?.nudge());

  const app = createApp({
    pipeline: deps,
    limiter: new FailureLimiter(config.authFailureLimit),
    publicJwks: () => ownKeys.jwks(),
    health: async () => ({
      database: await withTimeout(db.ping(), 2000).then(() => 'up' as const, () => 'down' as const),
      broker: broker.isUp ? 'up' : 'down',
    }),
    log,
    console: config.console,
    deadLetters: new DeadLetterQueue(config.amqpUrl, brokerNames(config.exchange, config.municipality)),
  });

  let server: Server | undefined;
  return {
    config,
    deps,
    app,
    broker,
    db,
    deadlineWatch,
    keyWatch,
    /** Resolves once listening; the broker connects in the background. */
    async start(): Promise<string> {
      broker.start();
      await new Promise<void>((resolve) => {
        server = app.listen(config.port, config.host, () => resolve());
      });
      const address = server!.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      log.info({ port, kid: ownKeys.status().current }, 'gateway listening');
      return `http://127.0.0.1:${port}`;
    },
    waitForBroker(timeoutMs = 10_000): Promise<void> {
      if (broker.isUp) return Promise.resolve();
      return withTimeout(new Promise<void>((resolve) => broker.once('up', () => resolve())), timeoutMs);
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections?.();
      deadlineWatch.stop();
      keyWatch.stop();
      await relay?.stop();
      await consumer.drain();
      await broker.stop();
      await db.close();
      log.info('gateway stopped');
    },
  };
}
