import { municipalityName } from '../config/municipalities.ts';
import { maskCpr } from '../domain/cpr.ts';
import type { MessageRecord } from '../data/messages.ts';
import type { Caller, Parts } from '../parts.ts';
import { consentView } from './consents.ts';

// The citizen's access report (GDPR art. 15, aktindsigt): what this node holds about one citizen
// and who looked at it. The audit log never holds a CPR number (nor a hash of one), so a look-up
// is linked to the citizen through the records it showed: consent, message, conversation and
// invoice ids. A look-up that showed nothing of the citizen cannot be linked, and is not listed.

export type CitizenReportDeps = Pick<Parts, 'municipality' | 'messages' | 'consents' | 'invoices' | 'audit' | 'now'>;

/** Scans are bounded; the report says when a bound was reached. */
export const reportLimits = { messages: 1000, auditEntries: 20_000 };

/** Audit actions that show a citizen's data to a person. */
const accessActions = ['consent.lookup', 'cpr.show', 'citizen.report', 'message.evidence'];

const party = (code: string) => ({ code, name: municipalityName(code) });

/** An invoice covers many citizens: only this citizen's lines are shown. */
function citizenData(m: MessageRecord, cpr: string): Record<string, unknown> {
  if (!Array.isArray(m.payload.lines)) return m.payload;
  const lines = (m.payload.lines as { citizen?: { cpr?: string } }[]).filter((l) => l.citizen?.cpr === cpr);
  const { invoiceNumber, periodFrom, periodTo } = m.payload;
  return { invoiceNumber, periodFrom, periodTo, lines };
}

export async function citizenReport(deps: CitizenReportDeps, caller: Caller, cpr: string, purpose: string) {
  const now = deps.now();
  const found = await deps.messages.aboutCitizen(cpr, reportLimits.messages);
  const messages = [...found.cases, ...found.invoices].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const consents = await deps.consents.ofCitizen(cpr);
  const received = await deps.consents.entries({ cpr, kind: 'received' });
  const receivedIds = [...new Set(received.map((e) => e.consentId))];
  const withdrawalsReceived = receivedIds.length > 0 ? await deps.consents.entries({ consentId: receivedIds, kind: 'withdrawal-received' }) : [];

  const ids = {
    consent: new Set([...consents.map((c) => c.id), ...receivedIds]),
    message: new Set(messages.map((m) => m.id)),
    conversation: new Set(messages.map((m) => m.conversationId)),
  };
  const shownKinds = new Map(Object.entries(ids));
  const scanned = await deps.audit.latestOf(accessActions, reportLimits.auditEntries);
  const invoiceMessages = new Set(found.invoices.map((m) => m.id));
  const lookups = [];
  for (const e of scanned) {
    const d = (e.detail ?? {}) as Record<string, unknown>;
    const named = (key: string) => (Array.isArray(d[key]) ? (d[key] as unknown[]).map(String) : []);
    let about = false;
    if (e.action === 'message.evidence') about = ids.message.has(e.messageId ?? '');
    else if (e.action === 'cpr.show' && d.kind === 'invoice') about = invoiceMessages.has((await deps.invoices.find(String(d.id)))?.messageId ?? '');
    else if (e.action === 'cpr.show') about = shownKinds.get(String(d.kind))?.has(String(d.id)) ?? false;
    else about = named('consentIds').some((id) => ids.consent.has(id)) || named('conversationIds').some((id) => ids.conversation.has(id));
    if (about) lookups.push({ at: e.at, actor: e.actor, action: e.action, purpose: typeof d.purpose === 'string' ? d.purpose : null, requestId: typeof d.requestId === 'string' ? d.requestId : null });
  }
  lookups.reverse();

  const report = {
    municipality: party(deps.municipality),
    generatedAt: now.toISOString(),
    purpose,
    messages: messages.map((m) => ({
      id: m.id, direction: m.direction, type: m.type, from: party(m.from), to: party(m.to), conversationId: m.conversationId,
      createdAt: m.createdAt, receivedAt: m.receivedAt, status: m.status, data: citizenData(m, cpr),
    })),
    consents: consents.map((c) => consentView(c, now)),
    receivedUnderConsent: received.map((e) => ({
      at: e.at, consentId: e.consentId, from: party(String(e.body.sender)), messageId: e.body.messageId, purpose: e.body.purpose, categories: e.body.categories,
      withdrawnAt: (withdrawalsReceived.find((w) => w.consentId === e.consentId && w.body.sender === e.body.sender)?.body.withdrawnAt as string | undefined) ?? null,
    })),
    lookups,
    completeness: {
      messagesTruncated: found.truncated,
      messageLimit: reportLimits.messages,
      auditEntriesScanned: scanned.length,
      auditScanLimit: reportLimits.auditEntries,
      auditScanTruncated: scanned.length === reportLimits.auditEntries,
      lookupsLinkedBy: 'the consent, message, conversation and invoice ids a look-up showed; the audit log holds no CPR number, so a look-up that showed nothing of the citizen is not listed',
    },
  };
  const cap = (list: Iterable<string>) => [...list].slice(0, 100);
  await deps.audit.record({
    actor: caller.subject,
    action: 'citizen.report',
    outcome: 'done',
    detail: { purpose: maskCpr(purpose), messages: report.messages.length, consents: consents.length, lookups: lookups.length, consentIds: cap(ids.consent), conversationIds: cap(ids.conversation) },
  });
  return report;
}

export type CitizenReport = Awaited<ReturnType<typeof citizenReport>>;
