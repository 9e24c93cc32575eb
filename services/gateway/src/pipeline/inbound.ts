import type jose from 'node-jose';
import { parseCompactJws, verifyWith, type PublicJwk } from '../crypto/jws.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { Refusal } from '../domain/errors.ts';
import { errorType, isSignal, receiptType, signalFor, type Envelope } from '../domain/envelope.ts';
import { planMessage, type ConversationPlan } from '../domain/conversation.ts';
import { categoriesIn, citizenCpr } from '../domain/consent.ts';
import type { ConsentEntryInput } from '../data/consents.ts';
import { afterInvoiceReceived } from './invoice-records.ts';
import { runSteps, type PipelineDeps, type Step } from './context.ts';

export interface InboundDelivery {
  body: Buffer;
  /** RabbitMQ-validated user_id; matched against the sender's broker user in the trust issue. */
  userId?: string;
}

export type InboundOutcome =
  | { kind: 'accepted'; envelope: Envelope }
  | { kind: 'duplicate'; envelope: Envelope }
  | { kind: 'signal'; envelope: Envelope };

/** A permanent refusal of an inbound message, with the envelope when the signature verified. */
export class InboundRefused extends Error {
  constructor(readonly refusal: Refusal, readonly envelope?: Envelope) {
    super(refusal.message);
  }
}

interface InboundContext {
  delivery: InboundDelivery;
  now: Date;
  jws?: string;
  kid?: string;
  claims?: Record<string, unknown>;
  key?: jose.JWK.Key;
  /** Set once the signature verified: only then may an error signal go back. */
  envelope?: Envelope;
  plan?: ConversationPlan;
  consentEntries?: ConsentEntryInput[];
  restrict?: string[];
  outcome?: InboundOutcome;
}

/** At most maxMessageBytes (256 KiB by default), before anything is parsed. */
const limitSize: Step<InboundContext> = (ctx, deps) => {
  if (ctx.delivery.body.length > deps.maxMessageBytes) {
    throw new Refusal('message_too_large', `${ctx.delivery.body.length} bytes, limit ${deps.maxMessageBytes}`);
  }
};

/** A compact JWS with alg ES256 and a kid. */
const parseJws: Step<InboundContext> = (ctx) => {
  ctx.jws = ctx.delivery.body.toString('utf8').trim();
  const parsed = parseCompactJws(ctx.jws);
  ctx.kid = parsed.kid;
  ctx.claims = parsed.claims;
};

/** The kid names an active key of the municipality the message claims to come from. */
const findSenderKey: Step<InboundContext> = async (ctx, deps) => {
  ctx.key = await deps.trust.keyFor(ctx.kid!, ctx.claims!.from);
};

/** The signature verifies with that key alone; from here on the claims are the verified ones. */
const verifySignature: Step<InboundContext> = async (ctx, deps) => {
  const verified = await verifyWith(ctx.key!, ctx.jws!);
  deps.schemas.assertValid('envelope', verified, '', 'envelope_invalid');
  ctx.envelope = verified as unknown as Envelope;
};

/** The broker-validated user that published it is the claimed municipality's own broker user. */
const checkTransportSender: Step<InboundContext> = (ctx, deps) => {
  const prefix = deps.settings.brokerUserPrefix;
  if (!prefix) return;
  const expected = `${prefix}${ctx.envelope!.from}`;
  if (ctx.delivery.userId !== expected) {
    throw new Refusal('transport_sender_mismatch', `published by broker user ${ctx.delivery.userId ?? '(none)'}, expected ${expected}`);
  }
};

/** Addressed to this node. */
const checkRecipient: Step<InboundContext> = (ctx, deps) => {
  if (ctx.envelope!.to !== deps.municipality) {
    throw new Refusal('wrong_recipient', `addressed to ${ctx.envelope!.to}, this node is ${deps.municipality}`);
  }
};

/** Not past its expiry. */
const checkExpiry: Step<InboundContext> = (ctx) => {
  if (new Date(ctx.envelope!.expiresAt).getTime() < ctx.now.getTime()) {
    throw new Refusal('message_expired', `expired at ${ctx.envelope!.expiresAt}`);
  }
};

/** A receipt or error signal updates the message we sent, and ends the pipeline. */
const handleSignal: Step<InboundContext> = async (ctx, deps) => {
  const e = ctx.envelope!;
  if (!isSignal(e.type)) return;
  deps.schemas.assertValid(e.type, e.payload, '/payload');
  const messageId = e.payload.messageId as string;
  let updated: boolean;
  if (e.type === receiptType) {
    const createdAt = await deps.messages.markDelivered(messageId, e.from, ctx.jws!, ctx.now);
    updated = createdAt !== null;
    if (createdAt) deps.metrics.deliveryLatency.observe((ctx.now.getTime() - createdAt.getTime()) / 1000);
  } else {
    updated = await deps.messages.markRejected(messageId, e.from, e.payload.code as string, (e.payload.detail as string | undefined) ?? null, ctx.jws!, ctx.now);
  }
  if (!updated && !(await deps.messages.isOurs(messageId, e.from))) {
    throw new Refusal('unsolicited_signal', `${e.type} for a message not sent to ${e.from}`);
  }
  if (updated) deps.events.emit(e.type === receiptType ? 'delivered' : 'rejected', messageId);
  ctx.outcome = { kind: 'signal', envelope: e };
  return 'done';
};

/** A message id stored before is a replay or a redelivery: acknowledged, not processed again. */
const checkReplay: Step<InboundContext> = async (ctx, deps) => {
  if ((await deps.messages.countInbound(ctx.envelope!.id)) === 0) return;
  ctx.outcome = { kind: 'duplicate', envelope: ctx.envelope! };
  return 'done';
};

/** The payload matches the schema of its type, and a collaboration model defines the type. */
const validatePayload: Step<InboundContext> = (ctx, deps) => {
  const e = ctx.envelope!;
  if (!deps.contracts.rule(e.type) || !deps.schemas.has(e.type)) throw new Refusal('unknown_type', `type ${e.type}`);
  deps.schemas.assertValid(e.type, e.payload, '/payload');
};

/** The model, the conversation's state and a valid partner agreement allow it: the same rules as on send. */
const checkContract: Step<InboundContext> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const existing = await deps.conversations.find(e.conversationId);
  const started = existing ? await deps.conversations.startedDeadlines(e.conversationId) : new Set<string>();
  ctx.plan = planMessage(deps.contracts, e, existing, started);
};

/**
 * A consent-based message names the sender's consent (the sender's log is the authority) and is
 * recorded in our consent log as received under it; a consent the sender withdrew is refused.
 * A consent.withdrawn notice is recorded and restricts the conversations it names.
 */
const checkLegalBasis: Step<InboundContext> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const rule = deps.contracts.rule(e.type)!;
  ctx.consentEntries = [];
  ctx.restrict = [];
  if (e.type === 'consent.withdrawn') {
    const p = e.payload as { consentId: string; withdrawnAt: string; conversationIds: string[] };
    ctx.consentEntries.push({ kind: 'withdrawal-received', consentId: p.consentId, body: { sender: e.from, messageId: e.id, withdrawnAt: p.withdrawnAt, conversationIds: p.conversationIds } });
    for (const id of p.conversationIds) {
      const c = await deps.conversations.find(id);
      if (c && Object.values(c.roles).includes(e.from)) ctx.restrict.push(id);
    }
    return;
  }
  if (rule.legalBasis.kind !== 'consent') return;
  if (!e.consentId) throw new Refusal('consent_missing', `${e.type} arrived without consentId`);
  if (await deps.consents.withdrawalReceived(e.consentId, e.from)) throw new Refusal('consent_withdrawn', `${e.from} withdrew consent ${e.consentId}`);
  ctx.consentEntries.push({
    kind: 'received',
    consentId: e.consentId,
    cpr: citizenCpr(e.payload) ?? null,
    body: { sender: e.from, messageId: e.id, conversationId: e.conversationId, purpose: rule.model, categories: categoriesIn(rule, e.payload) },
  });
};

/**
 * A key rotation must be signed with the key it replaces; the announced key goes into the trust
 * store, approved at once when an agreement with the sender says so, else left for an admin.
 */
const acceptKeyAnnouncement: Step<InboundContext> = async (ctx, deps) => {
  const e = ctx.envelope!;
  if (e.type !== 'trust.key-rotation') return;
  const announcement = e.payload as { newKey: PublicJwk; validFrom: string; replacesKid: string };
  if (announcement.replacesKid !== ctx.kid) {
    throw new Refusal('key_announcement_invalid', `signed with ${ctx.kid}, announces a replacement for ${announcement.replacesKid}`);
  }
  const automatic = deps.contracts.automaticKeyRotation(deps.municipality, e.from, copenhagenDate(ctx.now));
  const outcome = await deps.trust.acceptAnnouncement(e.from, announcement, automatic, deps.settings.keyOverlapMs, ctx.now);
  deps.log.info({ from: e.from, kid: announcement.newKey.kid, outcome }, 'key rotation announced');
};

/** Stored once with its receipt queued and its audit entry, in one transaction; a known id is a replay and is not processed again. */
const store: Step<InboundContext> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const receipt = signalFor(e, receiptType, { messageId: e.id, receivedAt: ctx.now.toISOString() }, ctx.now);
  const { legalBasis } = deps.contracts.rule(e.type)!;
  const audit = { actor: `node:${e.from}`, action: 'message.receive', outcome: 'accepted' as const, messageId: e.id, detail: { type: e.type, from: e.from, legalBasis: `${legalBasis.kind}: ${legalBasis.reference}`, consentId: e.consentId } };
  const stored = await deps.messages.storeInbound(e, ctx.jws!, receipt, ctx.now, audit, ctx.plan, { consentEntries: ctx.consentEntries ?? [], restrict: ctx.restrict ?? [], signingKid: ctx.kid });
  ctx.outcome = { kind: stored ? 'accepted' : 'duplicate', envelope: e };
  if (stored) deps.nudgeRelay();
};

export const inboundSteps = [
  limitSize,
  parseJws,
  findSenderKey,
  verifySignature,
  checkTransportSender,
  checkRecipient,
  checkExpiry,
  handleSignal,
  checkReplay,
  validatePayload,
  checkContract,
  checkLegalBasis,
  acceptKeyAnnouncement,
  store,
] as const;

/**
 * Runs the inbound steps. A Refusal is permanent: when the sender is authentic (signature
 * verified) and the message is not itself a signal, a signed error signal goes back.
 * Any other error is transient and propagates for the consumer to retry.
 */
export async function receiveMessage(deps: PipelineDeps, delivery: InboundDelivery): Promise<InboundOutcome> {
  const ctx: InboundContext = { delivery, now: deps.now() };
  try {
    await runSteps(inboundSteps, ctx, deps);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const e = ctx.envelope;
    if (e && !isSignal(e.type)) {
      await deps.outbox.enqueue('error', signalFor(e, errorType, { messageId: e.id, code: error.code, detail: error.detail?.slice(0, 2000) }, ctx.now));
      deps.nudgeRelay();
    }
    throw new InboundRefused(error, e);
  }
  const outcome = ctx.outcome!;
  const e = outcome.envelope;
  // Idempotent follow-up work on what was stored; a transient failure here is retried like any other.
  if (outcome.kind !== 'signal') await afterInvoiceReceived(deps, e);
  if (outcome.kind === 'accepted') {
    deps.metrics.accepted.inc({ type: e.type });
    deps.log.info({ messageId: e.id, type: e.type, from: e.from }, 'message accepted');
  } else if (outcome.kind === 'duplicate') {
    deps.metrics.duplicates.inc();
    await deps.audit.record({ actor: `node:${e.from}`, action: 'message.receive', outcome: 'refused', code: 'duplicate', messageId: e.id, detail: { type: e.type, from: e.from } });
    deps.log.info({ messageId: e.id, type: e.type, from: e.from }, 'duplicate message not processed again');
  } else {
    deps.log.info({ messageId: e.payload.messageId, signal: e.type, from: e.from }, 'signal received');
  }
  return outcome;
}
