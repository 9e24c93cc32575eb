import { copenhagenDate } from '../domain/calendar.ts';
import type { Envelope } from '../domain/envelope.ts';
import { dailyRate, reconcileLines, type InvoiceLine, type LineOutcome } from '../domain/invoicing.ts';
import type { PipelineDeps } from './context.ts';

// Invoices are kept in step with the stay-invoice and invoice.reconciliation messages they travel
// in, whichever way those were sent (the invoicing endpoints or POST /messages).

export interface InvoicePayload {
  invoiceNumber: string;
  periodFrom: string;
  periodTo: string;
  lines: InvoiceLine[];
  totalOere: number;
}

type Answer = { lines: ({ lineId: string } & LineOutcome)[] };

const withAnswer = <L extends { lineId: string }>(lines: L[], answer: Answer) =>
  lines.map((l) => {
    const a = answer.lines.find((x) => x.lineId === l.lineId);
    return a ? { ...l, outcome: a.outcome, reason: a.reason, comment: a.comment ?? (l as { comment?: string }).comment } : l;
  });

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
  await deps.invoices.update(invoice.id, { lines: withAnswer(invoice.lines, e.payload as unknown as Answer), status: 'reconciled', answerId: e.id });
}

/** Runs after an inbound message is stored (and again, harmlessly, on a redelivery). */
export async function afterInvoiceReceived(deps: PipelineDeps, e: Envelope): Promise<void> {
  if (e.type === 'stay-invoice') await reconcileReceived(deps, e);
  if (e.type === 'invoice.reconciliation') await recordAnswer(deps, e);
}


/** Runs after an outbound message is stored. */
export async function afterInvoiceSent(deps: PipelineDeps, e: Envelope): Promise<void> {
  if (e.type === 'stay-invoice') {
    const p = e.payload as unknown as InvoicePayload;
    await deps.invoices.save({
      id: e.conversationId, number: p.invoiceNumber, direction: 'out', shelterCode: e.from, payingCode: e.to, periodFrom: p.periodFrom, periodTo: p.periodTo,
      lines: p.lines, totalOere: p.totalOere, status: 'sent', messageId: e.id,
    });
  }
  if (e.type === 'invoice.reconciliation') {
    const invoice = await deps.invoices.find(e.conversationId);
    if (invoice?.direction === 'in') await deps.invoices.update(invoice.id, { lines: withAnswer(invoice.lines, e.payload as unknown as Answer), status: 'answered', answerId: e.id });
  }
}
