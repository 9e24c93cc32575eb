import path from 'node:path';
import { municipalityNames } from './municipalities.ts';

export const roles = ['outreach', 'shelter', 'caseworker', 'finance', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface NodeConfig {
  municipality: string;
  port: number;
  /** Listen address: 127.0.0.1 by default, 0.0.0.0 in a container. */
  host: string;
  amqpUrl: string;
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
  tokens: Map<string, Role>;
  maxMessageBytes: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Configuration error: ${variable} ${problem}`);
  }
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

export function loadConfig(env: Env = process.env): NodeConfig {
  const municipality = required(env, 'KB_MUNICIPALITY');
  if (!municipalityNames.has(municipality)) {
    throw new ConfigError('KB_MUNICIPALITY', `"${municipality}" is not one of the 98 municipality codes`);
  }
  const amqpUrl = env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672';
  if (!/^amqps?:\/\//.test(amqpUrl)) throw new ConfigError('AMQP_URL', 'must start with amqp:// or amqps://');
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
    amqpUrl,
    exchange,
    databaseUrl,
    pgliteDir: databaseUrl ? undefined : env.PGLITE_DIR?.trim() || path.join(dataDir, 'db'),
    keyDir: env.KB_KEY_DIR?.trim() || path.join(dataDir, 'keys'),
    trustDir: env.KB_TRUST_DIR?.trim() || undefined,
    contractDir: env.KB_CONTRACT_DIR?.trim() || undefined,
    tokens: parseTokens(required(env, 'KB_TOKENS')),
    maxMessageBytes: integer(env, 'KB_MAX_MESSAGE_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
  };
}
