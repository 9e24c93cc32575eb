import { copenhagenDate } from '../domain/calendar.ts';
import { Refusal } from '../domain/errors.ts';
import { composeLines, dailyRate, invoiceFigures, type InvoiceFigures, type InvoiceLine, type LineOutcome, type ReconciledLine } from '../domain/invoicing.ts';
import type { InvoicePayload } from '../handlers/invoices.ts';
import type { InvoiceRecord } from '../data/invoices.ts';
import type { Caller, Parts } from '../parts.ts';
import { sendMessage, type OutboundDeps } from '../pipeline/outbound.ts';

type Deps = OutboundDeps & Pick<Parts, 'invoices'>;

export type { InvoiceRecord };

// The message types the invoicing endpoints send; their handlers (handlers/invoices.ts) keep the invoice records.
const invoiceType = 'stay-invoice';
const answerType = 'invoice.reconciliation';

const sum = (lines: { amountOere: number }[]) => lines.reduce((total, l) => total + l.amountOere, 0);

/**
 * The shelter's municipality bills the paying municipality for a period: one line per stay it
 * told the paying municipality about that overlaps the period, at the agreement's daily rate.
 */
export async function composeInvoice(deps: Deps, caller: Caller, request: unknown): Promise<InvoiceRecord | (InvoicePayload & { draft: true })> {
  deps.schemas.assertValid('invoice-request', request);
  const r = request as { paying: string; periodFrom: string; periodTo: string; netOwnPayment?: boolean; draft?: boolean };
  if (r.periodFrom > r.periodTo) throw new Refusal('schema_invalid', '/periodTo: must not be before periodFrom', [{ pointer: '/periodTo', message: 'must not be before periodFrom' }]);
  const us = deps.municipality;
  const { model, rule } = deps.contracts.billing();
  const agreement = deps.contracts.agreementFor(model, 'shelter', us, 'paying', r.paying, copenhagenDate(deps.now()));
  if (!agreement) throw new Refusal('no_agreement', `no ${model} agreement with ${r.paying}`);
  const stays = await deps.invoices.stays(rule, us, r.paying);
  let lines: InvoiceLine[];
  try {
    lines = composeLines(stays, r.periodFrom, r.periodTo, (stay, day) => dailyRate(agreement, stay.shelterId, day), deps.contracts.section110.ownPaymentPerDayOere, r.netOwnPayment ?? false);
  } catch (error) {
    throw new Refusal('no_daily_rate', (error as Error).message);
  }
  if (lines.length === 0) throw new Refusal('invoice_empty', `no stay with ${r.paying} between ${r.periodFrom} and ${r.periodTo}`);
  const number = `${us}-${r.periodFrom}-${r.periodTo}-${(await deps.invoices.list({ direction: 'out' })).length + 1}`;
  const payload: InvoicePayload = { invoiceNumber: number, periodFrom: r.periodFrom, periodTo: r.periodTo, lines, totalOere: sum(lines) };
  if (r.draft) return { ...payload, draft: true };
  const message = await sendMessage(deps, caller, { type: invoiceType, to: r.paying, payload });
  return (await deps.invoices.find(message.conversationId))!;
}

export async function findInvoice(deps: Pick<Parts, 'invoices'>, id: string): Promise<InvoiceRecord> {
  const invoice = await deps.invoices.find(id);
  if (!invoice) throw new Refusal('not_found', 'no invoice with that id');
  return invoice;
}

/** Every invoice, sent and received, with its figures but without its lines. */
export async function listInvoices(deps: Pick<Parts, 'invoices' | 'contracts'>) {
  const invoices = await deps.invoices.list();
  return Promise.all(invoices.map(async (i) => ({ ...i, lines: undefined, lineCount: i.lines.length, figures: await figuresOf(deps, i) })));
}

async function receivedInvoice(deps: Deps, id: string): Promise<InvoiceRecord> {
  const invoice = await findInvoice(deps, id);
  if (invoice.direction !== 'in' || invoice.status !== 'received') throw new Refusal('invoice_state_forbids', `invoice ${invoice.number} is ${invoice.direction === 'out' ? 'our own' : invoice.status}`);
  return invoice;
}

/** A finance officer overrides one line before answering, with a comment; audited. */
export async function overrideLine(deps: Deps, caller: Caller, id: string, lineId: string, request: unknown): Promise<InvoiceRecord> {
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
export async function answerInvoice(deps: Deps, caller: Caller, id: string): Promise<InvoiceRecord> {
  const invoice = await receivedInvoice(deps, id);
  const accepted = invoice.lines.filter((l) => l.outcome === 'accepted');
  await sendMessage(deps, caller, {
    type: answerType,
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
  return (await deps.invoices.find(id))!;
}

/** Accepted and disputed totals; for the paying side also the estimated state refusion and the net cost. */
export async function figuresOf(deps: Pick<Parts, 'invoices' | 'contracts'>, invoice: InvoiceRecord): Promise<Partial<InvoiceFigures>> {
  const lines = invoice.lines as ReconciledLine[];
  if (invoice.direction === 'out') {
    const accepted = lines.filter((l) => l.outcome === 'accepted');
    return invoice.status === 'reconciled' ? { acceptedOere: sum(accepted), disputedOere: invoice.totalOere - sum(accepted) } : {};
  }
  // Days of the citizen's other accepted stays count toward the rolling year (domain/refusion.ts).
  return invoiceFigures(lines, deps.contracts.section110, await deps.invoices.allAcceptedLines(invoice.id));
}
