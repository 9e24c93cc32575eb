import type { ConsentSetting, MessageTypeRule } from './contracts.ts';
import type { Envelope } from './envelope.ts';
import { Refusal } from './errors.ts';

/** What a caseworker records (RSL § 11 a, GDPR art. 7): who, for what, to whom, which information, from where. */
export interface ConsentGiven {
  citizen: { cpr?: string; name?: string; description?: string };
  purpose: string;
  recipients: string[];
  categories: string[];
  /** Where the information comes from; the model lists the sources it allows. */
  source: string;
  sourceNote?: string;
  /** The case (conversation) the consent is for; required when the model says requiresCase. */
  conversationId?: string;
  method: 'oral' | 'written' | 'digital';
  givenAt: string;
  expiresAt: string;
  recordedBy: string;
}

export interface ConsentWithdrawal {
  withdrawnAt: string;
  method: 'oral' | 'written' | 'digital';
  note?: string;
  recordedBy: string;
}

export interface Consent {
  id: string;
  given: ConsentGiven;
  withdrawal: ConsentWithdrawal | null;
}

export type ConsentStatus = 'active' | 'withdrawn' | 'expired';

export function consentStatus(consent: Consent, now: Date): ConsentStatus {
  if (consent.withdrawal) return 'withdrawn';
  return Date.parse(consent.given.expiresAt) <= now.getTime() ? 'expired' : 'active';
}

function pointerExists(value: unknown, pointer: string): boolean {
  let current = value;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof current !== 'object' || current === null || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return current !== undefined;
}

/** The information categories a payload carries, by the model's map of category → payload pointers. */
export function categoriesIn(rule: MessageTypeRule, payload: Record<string, unknown>): string[] {
  return Object.entries(rule.categories ?? {})
    .filter(([, pointers]) => pointers.some((p) => pointerExists(payload, p)))
    .map(([category]) => category)
    .sort();
}

export function citizenCpr(payload: Record<string, unknown>): string | undefined {
  const citizen = payload.citizen as { cpr?: unknown } | undefined;
  return typeof citizen?.cpr === 'string' ? citizen.cpr : undefined;
}

/**
 * A consent covers a message when it is active and names this citizen, this purpose (the
 * collaboration model), this recipient, every information category the payload carries, and,
 * if it names a conversation, this conversation. Texts name no CPR number.
 */
/**
 * A consent fits its purpose's model when its source is one the model allows and, where the model
 * requires it, it names the case. Checked when the consent is recorded and again on every send.
 */
export function assertConsentFitsModel(given: Pick<ConsentGiven, 'source' | 'conversationId' | 'purpose'>, setting: ConsentSetting | undefined): void {
  if (!setting) throw new Refusal('consent_scope', `the purpose ${given.purpose} takes no consent`);
  if (!setting.sources.includes(given.source)) {
    throw new Refusal('consent_scope', `${given.purpose} takes information only from: ${setting.sources.join(', ')} (${setting.reference})`);
  }
  if (setting.requiresCase && !given.conversationId) throw new Refusal('consent_scope', `a consent for ${given.purpose} must name the case (conversationId) it is for`);
}

export function assertConsentCovers(consent: Consent | null, e: Envelope, rule: MessageTypeRule, now: Date): void {
  if (!consent) throw new Refusal('consent_missing', `no consent ${e.consentId ?? ''} in this node's consent log`);
  const status = consentStatus(consent, now);
  if (status === 'withdrawn') throw new Refusal('consent_withdrawn', `consent ${consent.id} was withdrawn ${consent.withdrawal!.withdrawnAt}`);
  if (status === 'expired') throw new Refusal('consent_expired', `consent ${consent.id} expired ${consent.given.expiresAt}`);
  const g = consent.given;
  const cpr = citizenCpr(e.payload);
  if (cpr !== undefined && g.citizen.cpr !== cpr) throw new Refusal('consent_scope', 'the consent is for another citizen');
  if (cpr === undefined && g.citizen.cpr !== undefined && g.conversationId !== e.conversationId) {
    throw new Refusal('consent_scope', 'the message does not identify the citizen the consent names');
  }
  if (g.purpose !== rule.model) throw new Refusal('consent_scope', `the consent's purpose is ${g.purpose}, not ${rule.model}`);
  assertConsentFitsModel(g, rule.consent);
  if (!g.recipients.includes(e.to)) throw new Refusal('consent_scope', `the consent does not name ${e.to} as recipient`);
  if (g.conversationId && g.conversationId !== e.conversationId) throw new Refusal('consent_scope', 'the consent is for another conversation');
  const missing = categoriesIn(rule, e.payload).filter((c) => !g.categories.includes(c));
  if (missing.length > 0) throw new Refusal('consent_scope', `the consent does not cover: ${missing.join(', ')}`);
}
