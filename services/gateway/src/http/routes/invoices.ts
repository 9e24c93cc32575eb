import { Router } from 'express';
import { invoiceCsv } from '../../domain/invoice-csv.ts';
import type { Parts } from '../../parts.ts';
import type { SendDeps as OutboundDeps } from '../../use-cases/messages.ts';
import { answerInvoice, composeInvoice, figuresOf, findInvoice, listInvoices, overrideLine } from '../../use-cases/invoices.ts';
import { allow, callerOf } from '../auth.ts';

export function invoiceRoutes(deps: OutboundDeps & Pick<Parts, 'invoices'>): Router {
  const router = Router();

  router.get('/invoices', allow('finance', 'admin'), async (_req, res) => {
    res.json({ invoices: await listInvoices(deps) });
  });

  router.post('/invoices', allow('finance'), async (req, res) => {
    const invoice = await composeInvoice(deps, callerOf(res), req.body);
    if ('draft' in invoice) return void res.json(invoice);
    res.status(201).location(`/invoices/${invoice.id}`).json(invoice);
  });

  // JSON, or CSV for a finance system with ?format=csv or Accept: text/csv.
  router.get('/invoices/:id', allow('finance', 'admin'), async (req, res) => {
    const invoice = await findInvoice(deps, req.params.id as string);
    if (req.query.format === 'csv' || (req.query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.type('text/csv').attachment(`${invoice.number}.csv`).send(invoiceCsv(invoice));
      return;
    }
    res.json({ ...invoice, figures: await figuresOf(deps, invoice) });
  });

  router.post('/invoices/:id/lines/:lineId/override', allow('finance'), async (req, res) => {
    res.json(await overrideLine(deps, callerOf(res), req.params.id as string, req.params.lineId as string, req.body));
  });

  router.post('/invoices/:id/answer', allow('finance'), async (req, res) => {
    res.json(await answerInvoice(deps, callerOf(res), req.params.id as string));
  });

  return router;
}
