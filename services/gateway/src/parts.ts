// The collaborators a node is built from. Nothing receives all of them: every use case, step,
// handler and route declares the few it uses as `Pick<Parts, ...>`, so a unit test builds one from
// a handful of real or fake parts, and the type checker stops a step from reaching for more.
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Role } from './config/index.ts';
import type { AuditRepository } from './data/audit.ts';
import type { ConsentRepository } from './data/consents.ts';
import type { CheckpointRepository } from './data/checkpoints.ts';
import type { ConversationRepository } from './data/conversations.ts';
import type { InvoiceRepository } from './data/invoices.ts';
import type { KeyRepository } from './data/keys.ts';
import type { MessageRepository } from './data/messages.ts';
import type { OutboxRepository } from './data/outbox.ts';
import type { IdempotencyRepository } from './data/idempotency.ts';
import type { TokenRepository } from './data/tokens.ts';
import type { TransactionRunner } from './data/db.ts';
import type { OwnKeys } from './crypto/own-keys.ts';
import type { Jose } from './crypto/jose-threads.ts';
import type { Contracts } from './domain/contracts.ts';
import type { SchemaRegistry } from './domain/schemas.ts';
import type { Metrics } from './monitoring/metrics.ts';
import type { KeyLifecycle } from './use-cases/keys.ts';
import type { MessageHandlers } from './handlers/registry.ts';
import type { DeadLetterQueue } from './amqp/dead-letters.ts';

export interface Settings {
  /** When set, an inbound message must be published by broker user `<prefix><claimed code>`. */
  brokerUserPrefix?: string;
  keyRotationLeadMs: number;
  keyOverlapMs: number;
  maxMessageBytes: number;
}

export interface Parts {
  municipality: string;
  settings: Settings;
  schemas: SchemaRegistry;
  contracts: Contracts;
  messages: MessageRepository;
  conversations: ConversationRepository;
  consents: ConsentRepository;
  tokens: TokenRepository;
  invoices: InvoiceRepository;
  keys: KeyRepository;
  outbox: OutboxRepository;
  /** First answers to POST /messages by Idempotency-Key, kept 24 h. */
  idempotency: IdempotencyRepository;
  audit: AuditRepository;
  /** Signed checkpoints of the logs' heads: the node's own, and those partners sent it (use-cases/checkpoints.ts). */
  checkpoints: CheckpointRepository;
  /** Runs work in one database transaction; message handlers run inside the one that stores their message. */
  transaction: TransactionRunner;
  handlers: MessageHandlers;
  /** The node's dead-letter queue on the broker: list and replay. */
  deadLetters?: DeadLetterQueue;
  trust: KeyLifecycle;
  ownKeys: OwnKeys;
  /** node-jose's sign, verify, encrypt and decrypt for the message path: inline or on worker threads. */
  jose: Jose;
  metrics: Metrics;
  log: Logger;
  now: () => Date;
  /** 'delivered' / 'rejected' with the message id, once the partner's signal verified. */
  events: EventEmitter;
  /** Wakes the outbox relay after something was queued. */
  nudgeRelay: () => void;
}

/** Who asked: a token's or a console session's subject and role. */
export interface Caller {
  subject: string;
  role: Role;
}
