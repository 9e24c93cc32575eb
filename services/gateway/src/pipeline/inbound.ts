// Longer than 250 lines: the inbound steps are one table, read top to bottom (the order of checks of
// docs/PROTOCOL.md), next to the refusal and failure paths that settle them.
import type jose from 'node-jose';
import { brokerUserName } from '../config/broker-names.ts';
import { parseCompactJws } from '../crypto/jws.ts';
import { openBody, type OpenedBody } from '../crypto/jwe.ts';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import { assertWithinLimits } from '../domain/input-limits.ts';
import { allowedClockSkewMs, errorType, isSignal, messageLifetimeMs, receiptType, signalFor, type Envelope } from '../domain/envelope.ts';
import { planMessage, type ConversationPlan } from '../domain/conversation.ts';
import { categoriesIn, citizenCpr } from '../domain/consent.ts';
import type { ConsentEntryInput } from '../data/consents.ts';
import type { InboundLookups } from '../data/messages.ts';
import type { Parts } from '../parts.ts';
import { runSteps, type Step } from './steps.ts';

export type InboundDeps = Pick<Parts, 'municipality' | 'settings' | 'schemas' | 'contracts' | 'trust' | 'messages' | 'conversations' | 'consents' | 'outbox' | 'audit' | 'handlers' | 'metrics' | 'log' | 'now' | 'events' | 'nudgeRelay' | 'ownKeys' | 'jose'>;

export interface InboundDelivery {
  body: Buffer;
  /** The body opened already (the consumer does it on arrival to learn the conversation); else the pipeline opens it. */
  opened?: Promise<OpenedBody>;
  /** RabbitMQ-validated user_id; matched against the sender's broker user in the trust issue. */
  userId?: string;
}

export type InboundOutcome =
  | { kind: 'accepted'; envelope: Envelope }
  | { kind: 'duplicate'; envelope: Envelope }
  | { kind: 'signal'; envelope: Envelope };

/**
 * A permanent refusal of an inbound message, with the envelope when it verified and passed its
 * schema, and the municipality whose key verified it (also when the envelope did not pass).
 */
export class InboundRefused extends Error {
  constructor(readonly refusal: Refusal, readonly envelope?: Envelope, readonly authenticSender?: string) {
    super(refusal.message);
  }
}

/** A transient failure (database, bug), with the envelope when the signature had verified: retried by the consumer. */
export class InboundFailed extends Error {
  constructor(readonly cause: unknown, readonly envelope?: Envelope) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** A signed error signal back to an authentic sender; never for a signal itself (no signal loops). */
export async function signalRefusal(deps: Pick<InboundDeps, 'outbox' | 'municipality' | 'nudgeRelay'>, e: Pick<Envelope, 'id' | 'type' | 'from' | 'conversationId'>, refusal: Pick<Refusal, 'code' | 'detail'>, now: Date): Promise<void> {
  if (isSignal(e.type)) return;
  await deps.outbox.enqueue('error', signalFor(e, deps.municipality, errorType, { messageId: e.id, code: refusal.code, detail: refusal.detail?.slice(0, 2000) }, now));
  deps.nudgeRelay();
}

interface InboundContext {
  delivery: InboundDelivery;
  now: Date;
  jws?: string;
  /** It arrived as a JWE that decrypted with one of our keys. */
  encrypted?: boolean;
  kid?: string;
  claims?: Record<string, unknown>;
  key?: jose.JWK.Key;
  /** The claims once the signature verified: from here on an error signal may go back. */
  verified?: Record<string, unknown>;
  /** The verified claims once they passed the envelope schema. */
  envelope?: Envelope;
  /** Read once by checkReplay for the checks after it. */
  lookups?: InboundLookups;
  plan?: ConversationPlan;
  consentEntries?: ConsentEntryInput[];
  outcome?: InboundOutcome;
}

/** At most settings.maxMessageBytes (256 KiB by default), before anything is parsed. */
const limitSize: Step<InboundContext, InboundDeps> = (ctx, deps) => {
  if (ctx.delivery.body.length > deps.settings.maxMessageBytes) {
    throw new Refusal('message_too_large', `${ctx.delivery.body.length} bytes, limit ${deps.settings.maxMessageBytes}`);
  }
};

/**
 * Decrypted to the sender's JWS when it is a JWE. One that does not decrypt is refused before anyone
 * is known to have sent it, so no error signal goes back: there is no authentic sender to tell.
 */
const decrypt: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const opened = await (ctx.delivery.opened ?? openBody(() => deps.ownKeys.decryptionKeys(), ctx.delivery.body, deps.jose.decrypt));
  ctx.jws = opened.jws;
  ctx.encrypted = opened.encrypted;
};

/** A compact JWS with alg ES256 and a kid. */
const parseJws: Step<InboundContext, InboundDeps> = (ctx) => {
  const parsed = parseCompactJws(ctx.jws!);
  ctx.kid = parsed.kid;
  ctx.claims = parsed.claims;
};

/** The kid names an active key of the municipality the message claims to come from. */
const findSenderKey: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  ctx.key = await deps.trust.keyFor(ctx.kid!, ctx.claims!.from);
};

/** The signature verifies with that key alone; from here on the claims are the verified ones. */
const verifySignature: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const verified = await deps.jose.verify(ctx.key!, ctx.jws!);
  ctx.verified = verified;
  // Depth, size and text jsonb can store, before anything else reads the claims (domain/input-limits.ts).
  assertWithinLimits(verified);
  deps.schemas.assertValid('envelope', verified, '', 'envelope_invalid');
  ctx.envelope = verified as unknown as Envelope;
};

/**
 * Anything but a receipt or error signal arrived encrypted to us. Checked once the signature
 * verified, so the authentic sender of a plain message learns why in an error signal.
 */
const requireEncryption: Step<InboundContext, InboundDeps> = (ctx) => {
  if (!ctx.encrypted && !isSignal(ctx.envelope!.type)) throw new Refusal('encryption_required', `${ctx.envelope!.type} arrived as a plain JWS`);
};

/** The broker-validated user that published it is the claimed municipality's own broker user. */
const checkTransportSender: Step<InboundContext, InboundDeps> = (ctx, deps) => {
  const prefix = deps.settings.brokerUserPrefix;
  if (!prefix) return;
  const expected = brokerUserName(prefix, ctx.envelope!.from);
  if (ctx.delivery.userId !== expected) {
    throw new Refusal('transport_sender_mismatch', `published by broker user ${ctx.delivery.userId ?? '(none)'}, expected ${expected}`);
  }
};

/** Addressed to this node. */
const checkRecipient: Step<InboundContext, InboundDeps> = (ctx, deps) => {
  if (ctx.envelope!.to !== deps.municipality) {
    throw new Refusal('wrong_recipient', `addressed to ${ctx.envelope!.to}, this node is ${deps.municipality}`);
  }
};

/**
 * Its times are consistent: createdAt not ahead of our clock by more than the allowed skew, and
 * expiresAt after createdAt and at most the protocol's message lifetime after it.
 */
const checkTimes: Step<InboundContext, InboundDeps> = (ctx) => {
  const { createdAt, expiresAt } = ctx.envelope!;
  const created = new Date(createdAt).getTime();
  const expires = new Date(expiresAt).getTime();
  // The schema's pattern admits a leap second, which Date cannot read.
  if (Number.isNaN(created) || Number.isNaN(expires)) throw new Refusal('expiry_invalid', `createdAt ${createdAt} or expiresAt ${expiresAt} is not a readable instant`);
  if (expires <= created) throw new Refusal('expiry_invalid', `expiresAt ${expiresAt} is not after createdAt ${createdAt}`);
  if (expires - created > messageLifetimeMs) throw new Refusal('expiry_invalid', `expiresAt ${expiresAt} is more than ${messageLifetimeMs / 86_400_000} days after createdAt ${createdAt}`);
  if (created > ctx.now.getTime() + allowedClockSkewMs) {
    throw new Refusal('created_in_future', `createdAt ${createdAt} is ahead of ${ctx.now.toISOString()} by more than ${allowedClockSkewMs / 60_000} minutes`);
  }
};

/** Not past its expiry. */
const checkExpiry: Step<InboundContext, InboundDeps> = (ctx) => {
  if (new Date(ctx.envelope!.expiresAt).getTime() < ctx.now.getTime()) {
    throw new Refusal('message_expired', `expired at ${ctx.envelope!.expiresAt}`);
  }
};

/**
 * Who may refuse a message of ours: its addressee, or, for a message that reached the wrong node
 * (`wrong_recipient`), the node it reached, which knows its id only because it holds it.
 */
const refusedBy = (signal: Envelope) => ((signal.payload as { code?: string }).code === 'wrong_recipient' ? undefined : signal.from);

/** A receipt or error signal updates the message we sent, and ends the pipeline. */
const handleSignal: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
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
    updated = await deps.messages.markRejected(messageId, refusedBy(e), e.payload.code as string, (e.payload.detail as string | undefined) ?? null, ctx.jws!, ctx.now);
  }
  if (!updated && !(await deps.messages.isOurs(messageId, e.type === receiptType ? e.from : refusedBy(e)))) {
    throw new Refusal('unsolicited_signal', `${e.type} for a message not sent to ${e.from}`);
  }
  if (updated) deps.events.emit(e.type === receiptType ? 'delivered' : 'rejected', messageId);
  ctx.outcome = { kind: 'signal', envelope: e };
  return 'done';
};

/**
 * An id we received before from the same sender is a replay or a redelivery: acknowledged, not
 * processed again, no new receipt. An id of a message we sent, or one another sender used, is
 * refused: one id names one message (ids are the primary key of the message store).
 */
const checkReplay: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  // With the conversation and the consent's withdrawal, which the checks below need: one round trip.
  ctx.lookups = await deps.messages.inboundLookups(e);
  const { known } = ctx.lookups;
  if (!known) return;
  if (known.direction === 'out') throw new Refusal('id_collision', `id ${e.id} names a message this node sent`);
  if (known.from !== e.from) throw new Refusal('id_collision', `id ${e.id} names a message received from another municipality`);
  ctx.outcome = { kind: 'duplicate', envelope: e };
  return 'done';
};

/** The payload matches the schema of its type, and a collaboration model defines the type. */
const validatePayload: Step<InboundContext, InboundDeps> = (ctx, deps) => {
  const e = ctx.envelope!;
  if (!deps.contracts.rule(e.type) || !deps.schemas.has(e.type)) throw new Refusal('unknown_type', `type ${e.type}`);
  deps.schemas.assertValid(e.type, e.payload, '/payload');
};

/** The model, the conversation's state and a valid partner agreement allow it: the same rules as on send. */
const checkContract: Step<InboundContext, InboundDeps> = (ctx, deps) => {
  const { existing, started } = ctx.lookups!;
  ctx.plan = planMessage(deps.contracts, ctx.envelope!, existing, started);
};

/** A reply names a message of this conversation that we sent to the replier: the same rule as on send. */
const checkReply: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  if (!e.inReplyTo) return;
  const original = await deps.messages.find(e.inReplyTo);
  if (!original || original.direction !== 'out' || original.conversationId !== e.conversationId || original.to !== e.from) {
    throw new Refusal('reply_unknown', 'inReplyTo names no message of this conversation sent to the replier');
  }
};

/**
 * A consent-based message names the sender's consent (the sender's log is the authority) and is
 * recorded in our consent log as received under it; a consent the sender withdrew is refused.
 */
const checkLegalBasis: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const rule = deps.contracts.rule(e.type)!;
  ctx.consentEntries = [];
  if (rule.legalBasis.kind !== 'consent') return;
  if (!e.consentId) throw new Refusal('consent_missing', `${e.type} arrived without consentId`);
  if (ctx.lookups!.withdrawn) throw new Refusal('consent_withdrawn', `${e.from} withdrew consent ${e.consentId}`);
  ctx.consentEntries.push({
    kind: 'received',
    consentId: e.consentId,
    cpr: citizenCpr(e.payload) ?? null,
    body: { sender: e.from, messageId: e.id, conversationId: e.conversationId, purpose: rule.model, categories: categoriesIn(rule, e.payload) },
  });
};

/**
 * Stored once with its receipt queued, its conversation change, its type's handler (a key
 * announcement, an invoice reconciled, a withdrawal recorded, …) and its audit entry, in one
 * transaction; a known id is a replay and is not processed again.
 */
const store: Step<InboundContext, InboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const receipt = signalFor(e, deps.municipality, receiptType, { messageId: e.id, receivedAt: ctx.now.toISOString() }, ctx.now);
  const { legalBasis } = deps.contracts.rule(e.type)!;
  const audit = { actor: `node:${e.from}`, action: 'message.receive', outcome: 'accepted' as const, messageId: e.id, detail: { type: e.type, from: e.from, legalBasis: `${legalBasis.kind}: ${legalBasis.reference}`, consentId: e.consentId && maskCpr(e.consentId) } };
  const stored = await deps.messages.storeInbound(e, ctx.jws!, receipt, ctx.now, audit, ctx.plan, {
    consentEntries: ctx.consentEntries ?? [],
    signingKid: ctx.kid,
    within: deps.handlers.within('received', e, { now: ctx.now, signingKid: ctx.kid }),
  });
  ctx.outcome = { kind: stored ? 'accepted' : 'duplicate', envelope: e };
  if (stored) deps.nudgeRelay();
};

export type InboundStep = Step<InboundContext, InboundDeps>;

export const inboundSteps = [
  limitSize,
  decrypt,
  parseJws,
  findSenderKey,
  verifySignature,
  requireEncryption,
  checkTransportSender,
  checkRecipient,
  checkTimes,
  checkExpiry,
  handleSignal,
  checkReplay,
  validatePayload,
  checkContract,
  checkReply,
  checkLegalBasis,
  store,
] as const;

/**
 * What an error signal about a refused message answers: the envelope, or when the verified claims
 * failed the envelope schema, their usable fields: a conversationId that is no UUID is replaced by
 * the message's id; without a UUID id the signal could not name the message, so none goes back.
 * A receipt or error signal is never answered with one (no loops).
 */
function answerTo(ctx: InboundContext, deps: InboundDeps): Pick<Envelope, 'id' | 'type' | 'from' | 'conversationId'> | undefined {
  if (ctx.envelope) return isSignal(ctx.envelope.type) ? undefined : ctx.envelope;
  const claims = ctx.verified;
  if (!claims || claims.type === receiptType || claims.type === errorType) return undefined;
  if (!deps.schemas.matchesCommon('uuid', claims.id)) return undefined;
  const id = claims.id as string;
  // The verifying key belongs to claims.from (findSenderKey), so it names the sender.
  const conversationId = deps.schemas.matchesCommon('uuid', claims.conversationId) ? (claims.conversationId as string) : id;
  return { id, type: String(claims.type), from: claims.from as string, conversationId };
}

/**
 * Runs the inbound steps. A Refusal is permanent: when the sender is authentic (signature
 * verified) and the message is not itself a signal, a signed error signal goes back.
 * Any other error is transient and propagates for the consumer to retry.
 */
export async function receiveMessage(deps: InboundDeps, delivery: InboundDelivery, steps: readonly InboundStep[] = inboundSteps): Promise<InboundOutcome> {
  const ctx: InboundContext = { delivery, now: deps.now() };
  try {
    await runSteps(steps, ctx, deps);
  } catch (caught) {
    if (!(caught instanceof Refusal)) throw new InboundFailed(caught, ctx.envelope);
    // A kid, id or key echoed in a detail may be a CPR number: masked before the signal, the dead letter and the audit.
    const error = new Refusal(caught.code, caught.detail && maskCpr(caught.detail), caught.problems?.map((p) => ({ pointer: maskCpr(p.pointer), message: p.message })));
    const original = answerTo(ctx, deps);
    if (original) await signalRefusal(deps, original, error, ctx.now);
    throw new InboundRefused(error, ctx.envelope, ctx.verified ? (ctx.verified.from as string) : undefined);
  }
  const outcome = ctx.outcome!;
  const e = outcome.envelope;
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
