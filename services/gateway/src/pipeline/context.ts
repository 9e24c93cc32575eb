import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Role } from '../config/index.ts';
import type { AuditRepository } from '../data/audit.ts';
import type { ConversationRepository } from '../data/conversations.ts';
import type { ConsentRepository } from '../data/consents.ts';
import type { MessageRepository } from '../data/messages.ts';
import type { OutboxRepository } from '../data/outbox.ts';
import type { TrustStore } from '../crypto/trust-store.ts';
import type { OwnKeys } from '../crypto/own-keys.ts';
import type { TokenRepository } from '../data/tokens.ts';
import type { InvoiceRepository } from '../data/invoices.ts';
import type { Contracts } from '../domain/contracts.ts';
import type { SchemaRegistry } from '../domain/schemas.ts';
import type { Metrics } from './metrics.ts';

/** What the pipeline steps need from the node. */
export interface PipelineDeps {
  municipality: string;
  schemas: SchemaRegistry;
  contracts: Contracts;
  messages: MessageRepository;
  conversations: ConversationRepository;
  consents: ConsentRepository;
  tokens: TokenRepository;
  invoices: InvoiceRepository;
  outbox: OutboxRepository;
  audit: AuditRepository;
  trust: TrustStore;
  ownKeys: OwnKeys;
  metrics: Metrics;
  log: Logger;
  maxMessageBytes: number;
  settings: {
    brokerUserPrefix?: string;
    keyRotationLeadMs: number;
    keyOverlapMs: number;
  };
  now: () => Date;
  /** 'delivered' / 'rejected' with the message id, once the partner's signal verified. */
  events: EventEmitter;
  /** Wakes the outbox relay after something was queued. */
  nudgeRelay: () => void;
}

export interface Caller {
  subject: string;
  role: Role;
}

/** A step either passes (returns nothing) or throws a Refusal; 'done' ends the pipeline early. */
export type Step<C> = (ctx: C, deps: PipelineDeps) => Promise<void | 'done'> | void | 'done';

export async function runSteps<C>(steps: readonly Step<C>[], ctx: C, deps: PipelineDeps): Promise<void> {
  for (const step of steps) {
    if ((await step(ctx, deps)) === 'done') return;
  }
}
