import { isIP } from 'node:net';
import path from 'node:path';
import { municipalityNames } from './municipalities.ts';
import { loadConsoleConfig, type ConsoleConfig } from './console.ts';
import { ConfigError, roles, type Role } from './basics.ts';
import { queueTypes, type QueueType } from './broker-names.ts';

export { ConfigError, roles, type Role };

export interface NodeConfig {
  municipality: string;
  port: number;
  /** Listen address: 127.0.0.1 by default, 0.0.0.0 in a container. */
  host: string;
  /**
   * AMQP_URL, comma-separated for the nodes of one RabbitMQ cluster: the node connects to the first
   * that answers and moves on to the next after a loss.
   */
  amqpUrls: string[];
  /** KB_QUEUE_TYPE: how the inbox and dead-letter queue are declared (config/broker-names.ts#queueOptions). */
  queueType: QueueType;
  /** Topic exchange; queues are named `<exchange>.<code>.inbox` and `<exchange>.<code>.dead`. */
  exchange: string;
  databaseUrl?: string;
  /** Embedded PGlite folder, used when databaseUrl is unset. */
  pgliteDir?: string;
  keyDir: string;
  /** Folder of partner JWKS files named `<code>.jwks.json`, imported as trusted at start. */
  trustDir?: string;
  /** Collaboration models, agreements and shelter registry; the repo's contracts/ by default. */
  contractDir?: string;
  /** Tokens provisioned from configuration (stored hashed at start); more are made through the API. */
  tokens: Map<string, Role>;
  /** When set, an inbound message must be published by broker user `<prefix><claimed code>`. */
  brokerUserPrefix?: string;
  /** How long before the next own key takes over after a rotation, and how long partners keep the old one. */
  keyRotationLeadMs: number;
  keyOverlapMs: number;
  /** Failed authentications per client address and minute before 429. */
  authFailureLimit: number;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges or loopback/linklocal/uniquelocal); none by default. */
  trustProxy: string[];
  /** How often key retirement and alerts are checked. */
  keyWatchMs: number;
  /**
   * Log checkpoints (use-cases/checkpoints.ts): one when this long passed since the last and
   * something was logged, or when more than `checkpointEntries` entries were; checked every `checkpointCheckMs`.
   */
  checkpointIntervalMs: number;
  checkpointEntries: number;
  checkpointCheckMs: number;
  /** An outbound message with no receipt or error signal this long is undelivered, unless its type sets its own time. */
  undeliveredAfterMinutes: number;
  /** How often outbound messages are checked for a missing receipt. */
  deliveryWatchMs: number;
  maxMessageBytes: number;
  /** PostgreSQL connections per node (KB_DB_POOL_SIZE); the inbound prefetch follows it. */
  dbPoolSize: number;
  /** Worker threads for signing, verifying and encryption (KB_JOSE_THREADS); 0: inline. */
  joseThreads: number;
  /** Group commit (data/group-commit.ts): stores per transaction, and how long the first waits for company. */
  groupCommitMax: number;
  groupCommitWaitMs: number;
  logLevel: string;
  /** Console sessions and OIDC login (config/console.ts). */
  console: ConsoleConfig;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** KB_TOKENS: `token=role` pairs separated by commas. */
function parseTokens(raw: string): Map<string, Role> {
  const tokens = new Map<string, Role>();
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [token, role] = pair.split('=').map((p) => p.trim());
    if (!token || token.length < 16) throw new ConfigError('KB_TOKENS', 'has a token shorter than 16 characters');
    if (!roles.includes(role as Role)) {
      throw new ConfigError('KB_TOKENS', `has an unknown role "${role ?? ''}"; roles: ${roles.join(', ')}`);
    }
    tokens.set(token, role as Role);
  }
  if (tokens.size === 0) throw new ConfigError('KB_TOKENS', 'holds no token');
  return tokens;
}

/** KB_TRUST_PROXY: proxy addresses separated by commas, as express's `trust proxy` takes them. */
function parseTrustProxy(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    if (!named && (!isIP(address!) || (bits !== undefined && !/^\d{1,3}$/.test(bits)))) {
      throw new ConfigError('KB_TRUST_PROXY', `has "${entry}", which is no address, CIDR range or loopback/linklocal/uniquelocal`);
    }
  }
  return entries;
}

/** AMQP_URL: one URL, or the nodes of one cluster separated by commas. */
function parseAmqpUrls(raw: string): string[] {
  const urls = raw.split(',').map((u) => u.trim()).filter(Boolean);
  const users = new Set<string>();
  for (const url of urls) {
    if (!/^amqps?:\/\//.test(url) || !URL.canParse(url)) throw new ConfigError('AMQP_URL', 'must be amqp:// or amqps:// URLs, separated by commas');
    users.add(new URL(url).username);
  }
  // The node publishes as one broker user (partners check it), so every broker must know it by that name.
  if (users.size > 1) throw new ConfigError('AMQP_URL', 'names more than one broker user');
  return urls;
}

/**
 * The owner's setup step (setup-database.ts): DATABASE_OWNER_URL migrates and owns the tables;
 * DATABASE_URL is the node's own role, which gets grants only. Without an owner URL, one role
 * does both (development): the node then owns its logs, and says so at start.
 */
export function loadDatabaseSetup(env: Env = process.env): { ownerUrl: string; nodeRole?: string } {
  const nodeUrl = env.DATABASE_URL?.trim();
  const ownerUrl = env.DATABASE_OWNER_URL?.trim() || nodeUrl;
  if (!ownerUrl) throw new ConfigError('DATABASE_OWNER_URL', 'is required (or DATABASE_URL, for one role that does both)');
  for (const [name, url] of [['DATABASE_OWNER_URL', ownerUrl], ['DATABASE_URL', nodeUrl]] as const) {
    if (url && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(name, 'must be a postgresql:// URL');
  }
  const user = (url: string) => decodeURIComponent(new URL(url).username) || undefined;
  const nodeRole = nodeUrl ? user(nodeUrl) : undefined;
  return { ownerUrl, nodeRole: nodeRole && nodeRole !== user(ownerUrl) ? nodeRole : undefined };
}

export function loadConfig(env: Env = process.env): NodeConfig {
  const municipality = required(env, 'KB_MUNICIPALITY');
  if (!municipalityNames.has(municipality)) {
    throw new ConfigError('KB_MUNICIPALITY', `"${municipality}" is not one of the 98 municipality codes`);
  }
  const amqpUrls = parseAmqpUrls(env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672');
  const queueType = (env.KB_QUEUE_TYPE?.trim() || 'classic') as QueueType;
  if (!queueTypes.includes(queueType)) throw new ConfigError('KB_QUEUE_TYPE', `must be ${queueTypes.join(' or ')}, got "${queueType}"`);
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgresql:// URL');
  }
  const dataDir = env.KB_DATA_DIR?.trim() || path.join('data', municipality);
  const exchange = env.KB_EXCHANGE?.trim() || 'kommunebro';
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(exchange)) {
    throw new ConfigError('KB_EXCHANGE', 'may hold only lower-case letters, digits, ".", "_" and "-"');
  }
  return {
    municipality,
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    amqpUrls,
    queueType,
    exchange,
    databaseUrl,
    pgliteDir: databaseUrl ? undefined : env.PGLITE_DIR?.trim() || path.join(dataDir, 'db'),
    keyDir: env.KB_KEY_DIR?.trim() || path.join(dataDir, 'keys'),
    trustDir: env.KB_TRUST_DIR?.trim() || undefined,
    contractDir: env.KB_CONTRACT_DIR?.trim() || undefined,
    tokens: parseTokens(required(env, 'KB_TOKENS')),
    brokerUserPrefix: env.KB_BROKER_USER_PREFIX?.trim() || undefined,
    keyRotationLeadMs: integer(env, 'KB_KEY_ROTATION_LEAD_MS', 2 * 24 * 3600 * 1000, 1000, 365 * 24 * 3600 * 1000),
    keyOverlapMs: integer(env, 'KB_KEY_OVERLAP_MS', 24 * 3600 * 1000, 0, 365 * 24 * 3600 * 1000),
    authFailureLimit: integer(env, 'KB_AUTH_FAILURE_LIMIT', 10, 1, 100000),
    trustProxy: parseTrustProxy(env.KB_TRUST_PROXY),
    keyWatchMs: integer(env, 'KB_KEY_WATCH_MS', 60_000, 100, 24 * 3600 * 1000),
    checkpointIntervalMs: integer(env, 'KB_CHECKPOINT_INTERVAL_MS', 10 * 60_000, 1000, 7 * 24 * 3600 * 1000),
    checkpointEntries: integer(env, 'KB_CHECKPOINT_ENTRIES', 1000, 1, 10_000_000),
    checkpointCheckMs: integer(env, 'KB_CHECKPOINT_CHECK_MS', 5000, 100, 3600 * 1000),
    // Under a message's 30-day lifetime (domain/envelope.ts): the sender hears of it while it can still act.
    undeliveredAfterMinutes: integer(env, 'KB_UNDELIVERED_AFTER_MINUTES', 60, 1, 30 * 24 * 60 - 1),
    deliveryWatchMs: integer(env, 'KB_DELIVERY_WATCH_MS', 60_000, 100, 24 * 3600 * 1000),
    maxMessageBytes: integer(env, 'KB_MAX_MESSAGE_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    groupCommitMax: integer(env, 'KB_GROUP_COMMIT_MAX', 64, 1, 1000),
    groupCommitWaitMs: integer(env, 'KB_GROUP_COMMIT_WAIT_MS', 2, 0, 1000),
    dbPoolSize: integer(env, 'KB_DB_POOL_SIZE', 10, 3, 1000),
    joseThreads: integer(env, 'KB_JOSE_THREADS', 0, 0, 64),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    console: loadConsoleConfig(env),
  };
}
