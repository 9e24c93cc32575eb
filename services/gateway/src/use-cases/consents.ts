import { randomUUID } from 'node:crypto';
import type { Consent, ConsentGiven, ConsentWithdrawal } from '../domain/consent.ts';
import { assertConsentFitsModel, consentStatus } from '../domain/consent.ts';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';
import { sendMessage, type OutboundDeps } from '../pipeline/outbound.ts';
import { verifyLog } from './checkpoints.ts';

type Deps = Pick<Parts, 'schemas' | 'contracts' | 'consents' | 'audit' | 'now'>;
type WithdrawDeps = Deps & Pick<Parts, 'messages' | 'conversations'> & OutboundDeps;

export async function findConsent(deps: Pick<Parts, 'consents'>, id: string): Promise<Consent> {
  const consent = await deps.consents.find(id);
  if (!consent) throw new Refusal('not_found', 'no consent with that id');
  return consent;
}

export function consentView(consent: Consent, now: Date) {
  return { id: consent.id, status: consentStatus(consent, now), ...consent.given, withdrawal: consent.withdrawal };
}

/** Records a consent as given; the CPR goes to the consent log, never to the audit log. */
export async function recordConsent(deps: Deps, caller: Caller, request: unknown): Promise<Consent> {
  deps.schemas.assertValid('consent-request', request);
  const given = { ...(request as Omit<ConsentGiven, 'recordedBy'>), recordedBy: caller.subject };
  if (!deps.contracts.models.has(given.purpose)) throw new Refusal('schema_invalid', `/purpose: no collaboration model ${given.purpose}`, [{ pointer: '/purpose', message: 'must name a collaboration model' }]);
  assertConsentFitsModel(given, deps.contracts.model(given.purpose).consent);
  if (Date.parse(given.expiresAt) <= Date.parse(given.givenAt)) {
    throw new Refusal('schema_invalid', '/expiresAt: must be after givenAt', [{ pointer: '/expiresAt', message: 'must be after givenAt' }]);
  }
  const id = randomUUID();
  await deps.consents.append({ kind: 'given', consentId: id, cpr: given.citizen.cpr ?? null, body: given as unknown as Record<string, unknown> }, deps.now());
  await deps.audit.record({ actor: caller.subject, action: 'consent.give', outcome: 'done', detail: { consentId: id, purpose: given.purpose, recipients: given.recipients } });
  return { id, given, withdrawal: null };
}

/**
 * Withdrawal stops sharing at once: the consent is withdrawn in the log, messages still waiting
 * in the outbox under it are cancelled, the conversations are restricted, and every municipality
 * that received data under it gets a signed consent.withdrawn notice.
 */
export async function withdrawConsent(deps: WithdrawDeps, caller: Caller, id: string, request: unknown): Promise<{ consent: Consent; notified: string[] }> {
  deps.schemas.assertValid('consent-withdrawal', request);
  const consent = await findConsent(deps, id);
  if (consent.withdrawal) throw new Refusal('consent_withdrawn', `already withdrawn ${consent.withdrawal.withdrawnAt}`);
  const body = request as { withdrawnAt?: string; method: ConsentWithdrawal['method']; note?: string };
  const withdrawal: ConsentWithdrawal = { withdrawnAt: body.withdrawnAt ?? deps.now().toISOString(), method: body.method, note: body.note, recordedBy: caller.subject };
  await deps.consents.append({ kind: 'withdrawn', consentId: id, cpr: consent.given.citizen.cpr ?? null, body: withdrawal as unknown as Record<string, unknown> }, deps.now());
  const shared = await deps.messages.underConsent(id);
  await deps.messages.cancelQueuedUnderConsent(id, deps.now());
  const conversationIds = [...new Set(shared.map((m) => m.conversationId))];
  await deps.conversations.restrict(conversationIds);
  const recipients = [...new Set(shared.filter((m) => m.status !== 'failed').map((m) => m.to))].sort();
  for (const to of recipients) {
    await sendMessage(deps, caller, {
      type: 'consent.withdrawn',
      to,
      payload: { consentId: id, withdrawnAt: withdrawal.withdrawnAt, conversationIds: [...new Set(shared.filter((m) => m.to === to).map((m) => m.conversationId))] },
    }, { system: true });
  }
  await deps.audit.record({ actor: caller.subject, action: 'consent.withdraw', outcome: 'done', detail: { consentId: id, notified: recipients } });
  return { consent: { ...consent, withdrawal }, notified: recipients };
}

/** Roles that see every consent of a citizen; others see only the consents they recorded themselves (their own case). */
const allCasesRoles = new Set(['caseworker', 'admin']);

/**
 * A look-up by CPR number is audited with who asked and why; the audit entry never holds the CPR
 * (nor a hash of it: a hash of a 10-digit number is reversed by trying them all). The ids of the
 * consents shown link it to the citizen for the access report (use-cases/citizen-report.ts).
 */
export async function consentsOfCitizen(deps: Pick<Parts, 'consents' | 'audit'>, caller: Caller, cpr: string, purpose: string): Promise<Consent[]> {
  const all = await deps.consents.ofCitizen(cpr);
  const visible = allCasesRoles.has(caller.role) ? all : all.filter((c) => c.given.recordedBy === caller.subject);
  await deps.audit.record({ actor: caller.subject, action: 'consent.lookup', outcome: 'done', detail: { purpose: maskCpr(purpose), results: visible.length, withheld: all.length - visible.length, consentIds: visible.map((c) => c.id) } });
  return visible;
}

/** Walks the consent log's hash chain. */
/** Walks the consent log's hash chain, held against the node's latest checkpoint (use-cases/checkpoints.ts). */
export function verifyConsentLog(deps: Pick<Parts, 'municipality' | 'checkpoints' | 'ownKeys' | 'schemas' | 'audit' | 'consents'>) {
  return verifyLog(deps, 'consent');
}
