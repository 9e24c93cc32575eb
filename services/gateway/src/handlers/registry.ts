import type { Tx } from '../data/db.ts';
import type { WithinStore } from '../data/messages.ts';
import type { Envelope } from '../domain/envelope.ts';

/** What a handler works with: the transaction that stores its message, and facts of the delivery. */
export interface HandlerScope {
  tx: Tx;
  now: Date;
  /** Inbound only: the partner key that verified the message. */
  signingKid?: string;
}

/**
 * The behaviour of one message type beyond storing it. Both functions run inside the transaction
 * that stores the message, so the message and what it causes are stored together or not at all;
 * a Refusal thrown here refuses the message. A redelivery is caught before: they run once per message.
 */
export interface MessageHandler {
  /** We send a message of this type. */
  sent?(envelope: Envelope, scope: HandlerScope): Promise<void>;
  /** We received and accepted a message of this type. */
  received?(envelope: Envelope, scope: HandlerScope): Promise<void>;
}

/** Handlers by message type; a type without one is only stored. */
export class MessageHandlers {
  private readonly byType = new Map<string, MessageHandler>();

  constructor(handlers: Record<string, MessageHandler> = {}) {
    for (const [type, handler] of Object.entries(handlers)) this.register(type, handler);
  }

  register(type: string, handler: MessageHandler): void {
    if (this.byType.has(type)) throw new Error(`a handler for ${type} is registered already`);
    this.byType.set(type, handler);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  /** The work to do inside the storing transaction, if the type has any. */
  within(direction: 'sent' | 'received', envelope: Envelope, facts: { now: Date; signingKid?: string }): WithinStore | undefined {
    const run = this.byType.get(envelope.type)?.[direction];
    return run ? (tx) => run(envelope, { tx, ...facts }) : undefined;
  }
}
