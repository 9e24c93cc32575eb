import { copenhagenDate } from '../domain/calendar.ts';
import type { Envelope } from '../domain/envelope.ts';
import { Refusal } from '../domain/errors.ts';
import { composeLines, dailyRate, invoiceFigures, reconcileLines, type InvoiceFigures, type InvoiceLine, type LineOutcome, type ReconciledLine } from '../domain/invoicing.ts';
import type { InvoiceRecord } from '../data/invoices.ts';
import type { Caller, PipelineDeps } from './context.ts';
import { sendMessage } from './outbound.ts';

interface InvoicePayload {
  invoiceNumber: string;
  periodFrom: string;
  periodTo: string;
  lines: InvoiceLine[];
  totalOere: number;
}

const sum = (lines: { amountOere: number }[]) => lines.reduce((total, l) => total + l.amountOere, 0);

/**
 * The shelter's municipality bills the paying municipality for a period: one line per stay it
 * told the paying municipality about that overlaps the period, at the agreement's daily rate.
 */
export async function composeInvoice(deps: PipelineDeps, caller: Caller, request: unknown): Promise<InvoiceRecord> {
  deps.schemas.assertValid('invoice-request', request);
  const r = request as { paying: string; periodFrom: string; periodTo: string; netOwnPayment?: boolean };
  if (r.periodFrom > r.periodTo) throw new Refusal('schema_invalid', '/periodTo: must not be before periodFrom', [{ pointer: '/periodTo', message: 'must not be before periodFrom' }]);
  const us = deps.municipality;
  const agreement = deps.contracts.agreementFor('stay-invoicing', 'shelter', us, 'paying', r.paying, copenhagenDate(deps.now()));
  if (!agreement) throw new Refusal('no_agreement', `no stay-invoicing agreement with ${r.paying}`);
  const stays = await deps.invoices.stays(us, r.paying);
  let lines: InvoiceLine[];
  try {
    lines = composeLines(stays, r.periodFrom, r.periodTo, (stay, day) => dailyRate(agreement, stay.shelterId, day), deps.contracts.section110.ownPaymentPerDayOere, r.netOwnPayment ?? false);
  } catch (error) {
    throw new Refusal('no_daily_rate', (error as Error).message);
  }
  if (lines.length === 0) throw new Refusal('invoice_empty', `no stay with ${r.paying} between ${r.periodFrom} and ${r.periodTo}`);
  const number = `${us}-${r.periodFrom}-${r.periodTo}-${(await deps.invoices.list({ direction: 'out' })).length + 1}`;
  const payload: InvoicePayload = { invoiceNumber: number, periodFrom: r.periodFrom, periodTo: r.periodTo, lines, totalOere: sum(lines) };
  const message = await sendMessage(deps, caller, { type: 'stay-invoice', to: r.paying, payload });
  return deps.invoices.save({
    id: message.conversationId, number, direction: 'out', shelterCode: us, payingCode: r.paying, periodFrom: r.periodFrom, periodTo: r.periodTo,
    lines, totalOere: payload.totalOere, status: 'sent', messageId: message.id,
  });
}

/** At the paying municipality: every line of a received invoice is matched and accepted or disputed. */
async function reconcileReceived(deps: PipelineDeps, e: Envelope): Promise<void> {
  if (await deps.invoices.find(e.conversationId)) return; // a redelivery: keep the reconciliation and any overrides
  const p = e.payload as unknown as InvoicePayload;
  const stays = await deps.invoices.stays(e.from, deps.municipality);
  const earlier = await deps.invoices.acceptedLines(e.from, e.conversationId);
  const agreement = deps.contracts.agreementFor('stay-invoicing', 'shelter', e.from, 'paying', deps.municipality, copenhagenDate(new Date(e.createdAt)));
  const outcomes = reconcileLines(p.lines, stays, earlier, (shelterId, day) => dailyRate(agreement, shelterId, day));
  const lines = p.lines.map((line, i) => ({ ...line, ...outcomes[i] }));
  await deps.invoices.save({
    id: e.conversationId, number: p.invoiceNumber, direction: 'in', shelterCode: e.from, payingCode: deps.municipality, periodFrom: p.periodFrom, periodTo: p.periodTo,
    lines, totalOere: p.totalOere, status: 'received', messageId: e.id,
  });
  const disputed = lines.filter((l) => l.outcome === 'disputed');
  await deps.audit.record({ actor: 'reconciliation', action: 'invoice.reconcile', outcome: 'done', messageId: e.id, detail: { invoice: p.invoiceNumber, lines: lines.length, disputed: disputed.map((l) => ({ lineId: l.lineId, reason: l.reason })) } });
}

/** At the shelter's municipality: the answer shows per line what was accepted and disputed. */
async function recordAnswer(deps: PipelineDeps, e: Envelope): Promise<void> {
  const invoice = await deps.invoices.find(e.conversationId);
  if (!invoice || invoice.direction !== 'out') return;
  const answer = e.payload as { lines: ({ lineId: string } & LineOutcome)[] };
  const lines = invoice.lines.map((l) => {
    const a = answer.lines.find((x) => x.lineId === l.lineId);
    return a ? { ...l, outcome: a.outcome, reason: a.reason, comment: a.comment } : l;
  });
  await deps.invoices.update(invoice.id, { lines, status: 'reconciled', answerId: e.id });
}

/** Runs after an inbound message is stored (and again, harmlessly, on a redelivery). */
export async function afterInvoiceMessage(deps: PipelineDeps, e: Envelope): Promise<void> {
  if (e.type === 'stay-invoice') await reconcileReceived(deps, e);
  if (e.type === 'invoice.reconciliation') await recordAnswer(deps, e);
}

async function receivedInvoice(deps: PipelineDeps, id: string): Promise<InvoiceRecord> {
  const invoice = await deps.invoices.find(id);
  if (!invoice) throw new Refusal('not_found', 'no invoice with that id');
  if (invoice.direction !== 'in' || invoice.status !== 'received') throw new Refusal('invoice_state_forbids', `invoice ${invoice.number} is ${invoice.direction === 'out' ? 'our own' : invoice.status}`);
  return invoice;
}

/** A finance officer overrides one line before answering, with a comment; audited. */
export async function overrideLine(deps: PipelineDeps, caller: Caller, id: string, lineId: string, request: unknown): Promise<InvoiceRecord> {
  deps.schemas.assertValid('line-override', request);
  const invoice = await receivedInvoice(deps, id);
  const o = request as { outcome: 'accepted' | 'disputed'; reason?: LineOutcome['reason']; comment: string };
  const line = invoice.lines.find((l) => l.lineId === lineId);
  if (!line) throw new Refusal('not_found', `no line ${lineId} on invoice ${invoice.number}`);
  const lines = invoice.lines.map((l) => (l.lineId === lineId ? { ...l, outcome: o.outcome, reason: o.outcome === 'disputed' ? o.reason : undefined, comment: o.comment, overriddenBy: caller.subject } : l));
  await deps.audit.record({ actor: caller.subject, action: 'invoice.override-line', outcome: 'done', detail: { invoice: invoice.number, lineId, from: { outcome: line.outcome, reason: line.reason }, to: { outcome: o.outcome, reason: o.reason } } });
  return deps.invoices.update(id, { lines });
}

/** Sends the invoice.reconciliation answer (due within 30 days of the invoice). */
export async function answerInvoice(deps: PipelineDeps, caller: Caller, id: string): Promise<InvoiceRecord> {
  const invoice = await receivedInvoice(deps, id);
  const accepted = invoice.lines.filter((l) => l.outcome === 'accepted');
  const message = await sendMessage(deps, caller, {
    type: 'invoice.reconciliation',
    to: invoice.shelterCode,
    conversationId: invoice.id,
    inReplyTo: invoice.messageId,
    payload: {
      invoiceNumber: invoice.number,
      lines: invoice.lines.map((l) => ({ lineId: l.lineId, outcome: l.outcome!, ...(l.reason ? { reason: l.reason } : {}), ...(l.comment ? { comment: l.comment } : {}) })),
      acceptedOere: sum(accepted),
      disputedOere: invoice.totalOere - sum(accepted),
    },
  });
  return deps.invoices.update(id, { status: 'answered', answerId: message.id });
}

/** Accepted and disputed totals; for the paying side also the estimated state refusion and the net cost. */
export async function figuresOf(deps: PipelineDeps, invoice: InvoiceRecord): Promise<Partial<InvoiceFigures>> {
  const lines = invoice.lines as ReconciledLine[];
  if (invoice.direction === 'out') {
    const accepted = lines.filter((l) => l.outcome === 'accepted');
    return invoice.status === 'reconciled' ? { acceptedOere: sum(accepted), disputedOere: invoice.totalOere - sum(accepted) } : {};
  }
  const refunded = new Map<string, number>();
  // Days of earlier periods count toward each citizen's yearly cap first.
  const earlier = (await deps.invoices.allAcceptedLines(invoice.id)).filter((l) => l.lastDay < invoice.periodFrom);
  invoiceFigures(earlier.map((l) => ({ ...l, outcome: 'accepted' as const })), deps.contracts.section110, refunded);
  return invoiceFigures(lines, deps.contracts.section110, refunded);
}
