import { municipalityNames } from '../config/municipalities.ts';
import { Refusal } from '../domain/errors.ts';
import { newEnvelope, type Envelope } from '../domain/envelope.ts';
import type { MessageTypeRule } from '../domain/contracts.ts';
import { planMessage, type ConversationPlan } from '../domain/conversation.ts';
import { assertConsentCovers, type Consent } from '../domain/consent.ts';
import { ConversationChanged, type PlanningState } from '../data/conversations.ts';
import type { MessageRecord } from '../data/messages.ts';
import type { Caller, Parts } from '../parts.ts';
import { runSteps, type Step } from './steps.ts';

export type OutboundDeps = Pick<Parts, 'municipality' | 'schemas' | 'contracts' | 'conversations' | 'consents' | 'messages' | 'audit' | 'handlers' | 'metrics' | 'log' | 'now' | 'nudgeRelay'>;

/** What a caller posts to `POST /messages`. */
export interface SendRequest {
  type: string;
  to: string;
  conversationId?: string;
  inReplyTo?: string;
  consentId?: string;
  payload: Record<string, unknown>;
}

/** A send the node makes itself (a withdrawal notice, a key announcement) rather than one a user posts. */
export interface SendOptions {
  system?: boolean;
}

interface OutboundContext {
  caller: Caller;
  system: boolean;
  request: Record<string, unknown>;
  rule?: MessageTypeRule;
  envelope?: Envelope;
  /** Read by lookUp for the checks after it. */
  lookups?: PlanningState & { original: MessageRecord | null; consent: Consent | null };
  plan?: ConversationPlan;
  stored?: MessageRecord;
}

/** The request has the shape of an envelope the caller may fill in. */
const validateRequest: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  deps.schemas.assertValid('send-request', ctx.request, '', 'schema_invalid');
};

/** The type belongs to a collaboration model, and the caller's role may send it. */
const checkRole: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  const rule = deps.contracts.rule(ctx.request.type as string);
  if (!rule) throw new Refusal('unknown_type', `type ${String(ctx.request.type)}`);
  if (rule.systemOnly && !ctx.system) throw new Refusal('system_only', `${rule.model} messages are sent by the node from their own endpoint`);
  if (!rule.userRoles.includes(ctx.caller.role)) {
    throw new Refusal('role_forbidden', `role ${ctx.caller.role} may not send ${String(ctx.request.type)}`);
  }
  ctx.rule = rule;
};

/** The payload matches the schema of its message type. */
const validatePayload: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  deps.schemas.assertValid(ctx.request.type as string, ctx.request.payload, '/payload');
};

/** The envelope as it will be signed: the contract and the deadlines are judged on it. */
const buildEnvelope: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  const r = ctx.request as unknown as SendRequest;
  ctx.envelope = newEnvelope(
    { type: r.type, from: deps.municipality, to: r.to, conversationId: r.conversationId, inReplyTo: r.inReplyTo, consentId: r.consentId, payload: r.payload },
    deps.now(),
  );
};

/**
 * What the checks below read, side by side rather than one after the other: the conversation with
 * its started deadlines, the message replied to, the consent named.
 */
const lookUp: Step<OutboundContext, OutboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const [planning, original, consent] = await Promise.all([
    deps.conversations.planningState(e.conversationId),
    e.inReplyTo ? deps.messages.find(e.inReplyTo) : null,
    ctx.rule!.legalBasis.kind === 'consent' && e.consentId ? deps.consents.find(e.consentId) : null,
  ]);
  ctx.lookups = { ...planning, original, consent };
};

/** The model, the conversation's state and a valid partner agreement allow it. */
const checkContract: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  const { existing, started } = ctx.lookups!;
  ctx.plan = planMessage(deps.contracts, ctx.envelope!, existing, started);
};

/** A reply names a message of this conversation that we received. */
const checkReply: Step<OutboundContext, OutboundDeps> = (ctx) => {
  const e = ctx.envelope!;
  if (!e.inReplyTo) return;
  const { original } = ctx.lookups!;
  if (!original || original.direction !== 'in' || original.conversationId !== e.conversationId) {
    throw new Refusal('reply_unknown', 'inReplyTo names no message this node received in the conversation');
  }
};

/**
 * The legal basis holds: a statute needs nothing more; a consent must be active and cover this
 * citizen, purpose, recipient and the information sent; nothing under a consent or in reply goes
 * into a conversation whose consent was withdrawn.
 */
const checkLegalBasis: Step<OutboundContext, OutboundDeps> = (ctx, deps) => {
  const rule = ctx.rule!;
  const e = ctx.envelope!;
  if (rule.legalBasis.kind !== 'statute' && ctx.lookups!.existing?.restricted) {
    throw new Refusal('consent_withdrawn', 'data in this conversation was shared under a consent that has been withdrawn');
  }
  if (rule.legalBasis.kind !== 'consent') return;
  if (!e.consentId) throw new Refusal('consent_missing', `${e.type} needs consentId (${rule.legalBasis.reference})`);
  assertConsentCovers(ctx.lookups!.consent, e, rule, deps.now());
};

/**
 * Message, outbox row, conversation change, the type's handler (an invoice kept as sent, …) and the
 * audit entry in one transaction; the relay signs and publishes.
 */
const store: Step<OutboundContext, OutboundDeps> = async (ctx, deps) => {
  const e = ctx.envelope!;
  const legalBasis = `${ctx.rule!.legalBasis.kind}: ${ctx.rule!.legalBasis.reference}`;
  const audit = { actor: ctx.caller.subject, action: 'message.send', outcome: 'accepted' as const, messageId: e.id, detail: { type: e.type, to: e.to, legalBasis, consentId: e.consentId } };
  try {
    ctx.stored = await deps.messages.storeOutbound(e, audit, ctx.plan, deps.handlers.within('sent', e, { now: deps.now() }));
  } catch (error) {
    // Two sends raced in one conversation: this one was planned on a state that is gone.
    if (error instanceof ConversationChanged) throw new Refusal('state_forbids', 'the conversation changed meanwhile; look at it again and resend');
    throw error;
  }
  deps.nudgeRelay();
};

export const outboundSteps = [validateRequest, checkRole, validatePayload, buildEnvelope, lookUp, checkContract, checkReply, checkLegalBasis, store] as const;

/** What a refusal's audit entry may say of the request: only a valid type name and municipality code, never raw input. */
function refusedDetail(deps: OutboundDeps, request: Record<string, unknown>) {
  const type = typeof request.type === 'string' && deps.contracts.rule(request.type) ? request.type : undefined;
  const to = typeof request.to === 'string' && municipalityNames.has(request.to) ? request.to : undefined;
  return { type: type ?? '(invalid)', to: to ?? '(invalid)' };
}

export async function sendMessage(deps: OutboundDeps, caller: Caller, request: unknown, options: SendOptions = {}): Promise<MessageRecord> {
  const ctx: OutboundContext = { caller, system: options.system === true, request: (request ?? {}) as Record<string, unknown> };
  try {
    await runSteps(outboundSteps, ctx, deps);
  } catch (error) {
    if (error instanceof Refusal) {
      deps.metrics.refused.inc({ direction: 'out', code: error.code });
      await deps.audit.record({ actor: caller.subject, action: 'message.send', outcome: 'refused', code: error.code, detail: refusedDetail(deps, ctx.request) });
    }
    throw error;
  }
  const stored = ctx.stored!;
  deps.log.info({ messageId: stored.id, type: stored.type, to: stored.to }, 'message queued');
  return stored;
}
