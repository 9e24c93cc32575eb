import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import { pino, type Logger } from 'pino';
import type { NodeConfig } from './config/index.ts';
import { brokerNames } from './config/broker-names.ts';
import { Broker } from './amqp/broker.ts';
import { DeadLetterQueue } from './amqp/dead-letters.ts';
import { InboundConsumer, defaultRetryPolicy, type RetryPolicy } from './amqp/consumer.ts';
import { OutboxRelay } from './amqp/relay.ts';
import type { InboundStep } from './pipeline/inbound.ts';
import { OwnKeys } from './crypto/own-keys.ts';
import { openBody } from './crypto/jwe.ts';
import { inlineJose, joseOnThreads } from './crypto/jose-threads.ts';
import { AuditRepository } from './data/audit.ts';
import { openDatabase, prefetchFor, type Database, type Tx } from './data/db.ts';
import { GroupCommit } from './data/group-commit.ts';
import { DatabaseGate } from './amqp/database-gate.ts';
import { KeyRepository } from './data/keys.ts';
import { MessageRepository } from './data/messages.ts';
import { ConversationRepository } from './data/conversations.ts';
import { ConsentRepository } from './data/consents.ts';
import { CheckpointRepository } from './data/checkpoints.ts';
import { OutboxRepository } from './data/outbox.ts';
import { TokenRepository } from './data/tokens.ts';
import { InvoiceRepository } from './data/invoices.ts';
import { Contracts } from './domain/contracts.ts';
import { SchemaRegistry } from './domain/schemas.ts';
import { messageHandlers } from './handlers/index.ts';
import { createApp } from './http/app.ts';
import { consoleRouter } from './console/routes.ts';
import { FailureLimiter } from './http/auth.ts';
import { clientErrorHandler } from './http/client-error.ts';
import { createMetrics } from './monitoring/metrics.ts';
import type { Parts } from './parts.ts';
import { DeadlineWatch } from './use-cases/deadlines.ts';
import { KeyLifecycle } from './use-cases/keys.ts';
import { KeyWatch } from './use-cases/key-watch.ts';
import { CheckpointWatch } from './use-cases/checkpoints.ts';
import { DeliveryWatch } from './use-cases/delivery-watch.ts';
import { IdempotencyRepository } from './data/idempotency.ts';

export interface NodeOptions {
  log?: Logger;
  now?: () => Date;
  retry?: RetryPolicy;
  /** Called when the database stays unreachable too long (main.ts exits so a supervisor restarts the node). */
  onFatal?: (reason: string) => void;
  /** Mounted before every route: the tests check each answer against /openapi.json with it (test/helpers/openapi-check.ts). */
  responseCheck?: RequestHandler;
  /** Test-only: replaces the inbound step table, so a test can run a node with one rule broken. */
  inboundSteps?: readonly InboundStep[];
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
  const db: Database = await openDatabase({ ...config, log });
  if (config.databaseUrl && db.logPrivileges.length > 0) {
    log.warn({ privileges: db.logPrivileges }, "the node's database role may rewrite its own logs: give it a role of its own (docs/OPERATIONS.md, \"Database roles\")");
  }
  const checkpoints = new CheckpointRepository(db.prisma);
  const keys = new KeyRepository(db.prisma);
  const groupCommit = new GroupCommit(db.transaction, { maxBatch: config.groupCommitMax, maxWaitMs: config.groupCommitWaitMs });
  const commit = <T>(work: (tx: Tx) => Promise<T>) => groupCommit.run(work);
  const audit = new AuditRepository(db.prisma, commit);
  const tokens = new TokenRepository(db.prisma);
  for (const [token, role] of config.tokens) await tokens.provision(token, role, 'configuration');
  const messages = new MessageRepository(db.prisma, commit);
  const trust = new KeyLifecycle({ keys, record: (event) => audit.record(event), flagRevokedKey: (kid) => messages.flagRevokedKey(kid) });
  if (config.trustDir) {
    const imported = await trust.importDirectory(config.trustDir);
    if (imported.length > 0) log.info({ kids: imported }, 'partner keys imported from the trust folder');
  }
  let relay: OutboxRelay | undefined;
  const settings = { brokerUserPrefix: config.brokerUserPrefix, keyRotationLeadMs: config.keyRotationLeadMs, keyOverlapMs: config.keyOverlapMs, maxMessageBytes: config.maxMessageBytes };
  const parts: Parts = {
    municipality: config.municipality,
    settings,
    schemas,
    contracts,
    messages,
    conversations: new ConversationRepository(db.prisma),
    consents: new ConsentRepository(db.prisma),
    outbox: new OutboxRepository(db.prisma),
    idempotency: new IdempotencyRepository(db.prisma),
    keys,
    audit,
    checkpoints,
    transaction: db.transaction,
    deadLetters: new DeadLetterQueue(config.amqpUrls, brokerNames(config.exchange, config.municipality), async (body) => (await openBody(() => ownKeys.decryptionKeys(), body)).jws),
    handlers: messageHandlers({ municipality: config.municipality, contracts, trust, log, keyOverlapMs: config.keyOverlapMs, schemas, checkpoints }),
    trust,
    ownKeys,
    jose: config.joseThreads > 0 ? joseOnThreads(config.joseThreads) : inlineJose,
    metrics: createMetrics(config.municipality),
    log,
    tokens,
    invoices: new InvoiceRepository(db.prisma),
    now: options.now ?? (() => new Date()),
    events: new EventEmitter().setMaxListeners(0),
    nudgeRelay: () => relay?.nudge(),
  };
  const probe = () => withTimeout(db.ping(), 2000).then(() => true, () => false);
  const gate = new DatabaseGate(probe, () => broker, log, (ms) => (options.onFatal ?? ((reason) => log.error(reason)))(`the database has not answered for ${Math.round(ms / 1000)} s`));
  const consumer = new InboundConsumer(parts, () => broker, options.retry ?? defaultRetryPolicy, gate, options.inboundSteps);
  const broker = new Broker(config.amqpUrls, brokerNames(config.exchange, config.municipality), log, consumer.handle, { prefetch: prefetchFor(db), queueType: config.queueType });
  relay = new OutboxRelay(parts, () => broker);
  const deadlineWatch = new DeadlineWatch(parts);
  const keyWatch = new KeyWatch(parts, config.keyWatchMs);
  const checkpointWatch = new CheckpointWatch(parts, { intervalMs: config.checkpointIntervalMs, entries: config.checkpointEntries, checkMs: config.checkpointCheckMs });
  const deliveryWatch = new DeliveryWatch(parts, config.undeliveredAfterMinutes, config.deliveryWatchMs);
  if (!config.brokerUserPrefix) log.warn('KB_BROKER_USER_PREFIX is unset: the broker user of inbound messages is not checked');
  broker.on('up', () => relay?.nudge());
  Object.assign(parts.metrics.sources, { deadLetterDepth: () => broker.deadLetterDepth(), oldestOutboxAt: () => parts.outbox.oldestPendingAt(), databaseUp: () => withTimeout(db.ping(), 2000).then(() => true), brokerUp: () => broker.isUp });

  const limiter = new FailureLimiter(config.authFailureLimit);
  const app = createApp({
    ...parts,
    limiter,
    before: [consoleRouter({ pipeline: parts, limiter, console: config.console })],
    trustProxy: config.trustProxy,
    responseCheck: options.responseCheck,
    publicJwks: () => ownKeys.jwks(),
    health: async () => ({
      database: await withTimeout(db.ping(), 2000).then(() => 'up' as const, () => 'down' as const),
      broker: broker.isUp ? 'up' : 'down',
    }),
  });

  let server: Server | undefined;
  return {
    config,
    /** The node's parts, for the composition root's callers (tests, the demo) to inspect. */
    parts,
    app,
    broker,
    db,
    deadlineWatch,
    keyWatch,
    checkpointWatch,
    deliveryWatch,
    /** Resolves once listening, and only then consumes; a port in use stops the start with its number. */
    async start(): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        // express 5 hands a listen error (EADDRINUSE) to this callback instead of throwing it.
        server = app.listen(config.port, config.host, (error?: Error) => {
          if (!error) return resolve();
          const code = (error as NodeJS.ErrnoException).code;
          reject(new Error(code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : `cannot listen on ${config.host}:${config.port}: ${error.message}`));
        });
        server.on('clientError', clientErrorHandler);
      });
      broker.start();
      checkpointWatch.start();
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
      // A check still running would otherwise write to a database being closed.
      await Promise.all([deadlineWatch.stop(), keyWatch.stop(), checkpointWatch.stop(), deliveryWatch.stop()]);
      await relay?.stop();
      await consumer.drain();
      await broker.stop();
      await groupCommit.drain();
      await parts.jose.close();
      await db.close();
      log.info('gateway stopped');
    },
  };
}
