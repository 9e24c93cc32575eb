import { randomUUID } from 'node:crypto';

/** What every node signs and sends: routing facts around a type-specific payload. */
export interface Envelope {
  id: string;
  type: string;
  from: string;
  to: string;
  conversationId: string;
  inReplyTo?: string;
  consentId?: string;
  createdAt: string;
  expiresAt: string;
  payload: Record<string, unknown>;
}

/** Protocol signals, answered by the receiving node itself. */
export const receiptType = 'receipt';
export const errorType = 'error';
export const isSignal = (type: string) => type === receiptType || type === errorType;

/** The version of docs/PROTOCOL.md this node speaks; not carried on the wire (see its versioning section). */
export const protocolVersion = 1;

/** How long a message stays acceptable after it was made: long enough for a broker outage. */
export const messageLifetimeDays = 30;
export const messageLifetimeMs = messageLifetimeDays * 24 * 3600 * 1000;

/** How far a sender's clock may run ahead of ours before its createdAt counts as in the future. */
export const allowedClockSkewMs = 5 * 60 * 1000;

export function newEnvelope(fields: Omit<Envelope, 'id' | 'createdAt' | 'expiresAt' | 'conversationId'> & { conversationId?: string }, now = new Date()): Envelope {
  const expires = new Date(now.getTime() + messageLifetimeMs);
  return {
    id: randomUUID(),
    ...fields,
    conversationId: fields.conversationId ?? randomUUID(),
    createdAt: now.toISOString(),
    expiresAt: expires.toISOString(),
  };
}

/**
 * A receipt or error signal about `original`, from the node that sends it (`us`), which is not the
 * original's `to` when a message was refused as not addressed to us.
 */
export function signalFor(original: Pick<Envelope, 'id' | 'from' | 'conversationId'>, us: string, type: 'receipt' | 'error', payload: Record<string, unknown>, now = new Date()): Envelope {
  return newEnvelope(
    { type, from: us, to: original.from, conversationId: original.conversationId, inReplyTo: original.id, payload },
    now,
  );
}
