import { appendAudit } from '../data/audit.ts';
import { InvoiceRepository } from '../data/invoices.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import type { Contracts } from '../domain/contracts.ts';
import type { Envelope } from '../domain/envelope.ts';
import { dailyRate, reconcileLines, type InvoiceLine, type LineOutcome } from '../domain/invoicing.ts';
import type { MessageHandler } from './registry.ts';

// Invoices are kept in step with the invoice and answer messages they travel in, whichever way
// those were sent (the invoicing endpoints or POST /messages), inside the transaction that stores
// the message. Which model bills, and which stays, is the billing declaration in contracts/.

export interface InvoicePayload {
  invoiceNumber: string;
  periodFrom: string;
  periodTo: string;
  lines: InvoiceLine[];
  totalOere: number;
}

type Answer = { lines: ({ lineId: string } & LineOutcome)[] };

type Deps = { municipality: string; contracts: Pick<Contracts, 'billing' | 'agreementFor'> };

const withAnswer = <L extends { lineId: string }>(lines: L[], answer: Answer) =>
  lines.map((l) => {
    const a = answer.lines.find((x) => x.lineId === l.lineId);
    return a ? { ...l, outcome: a.outcome, reason: a.reason, comment: a.comment ?? (l as { comment?: string }).comment } : l;
  });

const savedInvoice = (e: Envelope, direction: 'in' | 'out', status: 'sent' | 'received', shelterCode: string, payingCode: string, lines: InvoiceLine[]) => {
  const p = e.payload as unknown as InvoicePayload;
  return { id: e.conversationId, number: p.invoiceNumber, direction, shelterCode, payingCode, periodFrom: p.periodFrom, periodTo: p.periodTo, lines, totalOere: p.totalOere, status, messageId: e.id };
};

/** The invoice itself: kept as sent; at the paying municipality every line is matched and accepted or disputed. */
export function stayInvoiceHandler(deps: Deps): MessageHandler {
  return {
    async sent(e, { tx }) {
      await new InvoiceRepository(tx).save(savedInvoice(e, 'out', 'sent', e.from, e.to, (e.payload as unknown as InvoicePayload).lines));
    },
    async received(e, { tx }) {
      const invoices = new InvoiceRepository(tx);
      const p = e.payload as unknown as InvoicePayload;
      const { model, rule } = deps.contracts.billing();
      const stays = await invoices.stays(rule, e.from, deps.municipality);
      const earlier = await invoices.acceptedLines(e.from, e.conversationId);
      const agreement = deps.contracts.agreementFor(model, 'shelter', e.from, 'paying', deps.municipality, copenhagenDate(new Date(e.createdAt)));
      const outcomes = reconcileLines(p.lines, stays, earlier, (shelterId, day) => dailyRate(agreement, shelterId, day));
      const lines = p.lines.map((line, i) => ({ ...line, ...outcomes[i] }));
      await invoices.save(savedInvoice(e, 'in', 'received', e.from, deps.municipality, lines));
      const disputed = lines.filter((l) => l.outcome === 'disputed').map((l) => ({ lineId: l.lineId, reason: l.reason }));
      await appendAudit(tx, { actor: 'reconciliation', action: 'invoice.reconcile', outcome: 'done', messageId: e.id, detail: { invoice: p.invoiceNumber, lines: lines.length, disputed } });
    },
  };
}

/** The paying municipality's answer: marks the invoice answered at the payer, reconciled at the shelter's municipality. */
export const invoiceReconciliationHandler: MessageHandler = {
  async sent(e, { tx }) {
    const invoices = new InvoiceRepository(tx);
    const invoice = await invoices.find(e.conversationId);
    if (invoice?.direction === 'in') await invoices.update(invoice.id, { lines: withAnswer(invoice.lines, e.payload as unknown as Answer), status: 'answered', answerId: e.id });
  },
  async received(e, { tx }) {
    const invoices = new InvoiceRepository(tx);
    const invoice = await invoices.find(e.conversationId);
    if (invoice?.direction === 'out') await invoices.update(invoice.id, { lines: withAnswer(invoice.lines, e.payload as unknown as Answer), status: 'reconciled', answerId: e.id });
  },
};
