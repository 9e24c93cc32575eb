import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { admissionRequest } from '../helpers/messages.ts';

let now = new Date('2026-12-02T10:00:00Z');
const clock = () => now;
const jens = { cpr: '0101801234', name: 'Jens Jensen' };
const ole = { cpr: '0202802345', name: 'Ole Olsen' };

describe('stay invoicing between real nodes', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['161', '159', '165'], { now: clock }), 90_000);
  afterAll(() => federation.stop());

  const shelter = (code: string) => asUser(federation.get(code), 'shelter');
  const finance = (code: string) => asUser(federation.get(code), 'finance');

  /** A stay told to Albertslund: admission notice, and a discharge notice when given. */
  async function stay(code: string, shelterId: string, citizen: typeof jens, admission: string, discharge?: string): Promise<string> {
    const notice = await shelter(code).send({ ...admissionRequest(code, '165', shelterId, {}, admission), payload: { ...admissionRequest(code, '165', shelterId, {}, admission).payload, citizen } });
    if (discharge) {
      await shelter(code).send({ type: 'shelter.discharge-notice', to: '165', conversationId: notice.conversationId, payload: { dischargeDate: discharge, destination: 'other-shelter' } });
    }
    return notice.conversationId;
  }

  /** Waits until Albertslund reconciled the invoice, and returns its lines' outcomes. */
  async function reconciledAt165(id: string) {
    return eventually('reconciled at Albertslund', async () => {
      const res = await finance('165').get(`/invoices/${id}`);
      return res.status === 200 ? res.body : undefined;
    });
  }

  let jensAtSolvang: string;
  let oleAtSolvang: string;
  let jensAtTornehoejgaard: string;
  let november: Record<string, any>;

  it('when Glostrup bills November, then stays crossing the period and a same-day discharge are billed at the agreed rate', async () => {
    jensAtSolvang = await stay('161', 'solvang', jens, '2026-10-20', '2026-11-15');
    oleAtSolvang = await stay('161', 'solvang', ole, '2026-11-10', '2026-11-10');
    const res = await finance('161').post('/invoices', { paying: '165', periodFrom: '2026-11-01', periodTo: '2026-11-30' });
    expect(res.status).toBe(201);
    november = res.body;
    expect(november.lines.map((l: any) => [l.stayConversationId, l.firstDay, l.lastDay, l.days, l.dailyRateOere, l.amountOere])).toEqual([
      [jensAtSolvang, '2026-11-01', '2026-11-15', 15, 145000, 2175000],
      [oleAtSolvang, '2026-11-10', '2026-11-10', 1, 145000, 145000],
    ]);
    expect(november.totalOere).toBe(2320000);
  });

  it('when Albertslund receives it, then every line is matched and accepted, with refusion and net cost', async () => {
    const received = await reconciledAt165(november.id);
    expect(received.lines.map((l: any) => l.outcome)).toEqual(['accepted', 'accepted']);
    expect(received.figures).toMatchObject({ acceptedOere: 2320000, disputedOere: 0, estimatedStateRefusionOere: 1160000, netCostOere: 1160000 });
  });

  it('when Albertslund lists its invoices, then the received one is there with its line count and figures, without lines', async () => {
    const res = await finance('165').get('/invoices');
    expect(res.status).toBe(200);
    const listed = res.body.invoices.find((i: any) => i.id === november.id);
    expect(listed).toMatchObject({ direction: 'in', lineCount: 2, figures: { acceptedOere: 2320000 } });
    expect(listed.lines).toBeUndefined();
  });

  it('when Tornehøjgård bills the same citizen for his next stay, then that invoice is accepted too (two shelters, one citizen)', async () => {
    jensAtTornehoejgaard = await stay('159', 'tornehoejgaard', jens, '2026-11-16');
    const res = await finance('159').post('/invoices', { paying: '165', periodFrom: '2026-11-01', periodTo: '2026-11-30' });
    expect(res.body.lines).toHaveLength(1);
    expect(res.body.lines[0]).toMatchObject({ stayConversationId: jensAtTornehoejgaard, firstDay: '2026-11-16', days: 15, dailyRateOere: 138000 });
    const received = await reconciledAt165(res.body.id);
    expect(received.lines[0].outcome).toBe('accepted');
  });

  it('when Glostrup bills November again, then each line is disputed as overlaps_earlier_invoice', async () => {
    const again = await finance('161').post('/invoices', { paying: '165', periodFrom: '2026-11-01', periodTo: '2026-11-30' });
    const received = await reconciledAt165(again.body.id);
    expect(received.lines.map((l: any) => l.reason)).toEqual(['overlaps_earlier_invoice', 'overlaps_earlier_invoice']);
  });

  it('when an invoice has a duplicate line, an unknown citizen, days after discharge and a wrong rate, then each is disputed with its reason, a finance officer accepts one with a comment, and Glostrup sees the answer', async () => {
    const line = (over: Record<string, unknown>) => ({
      lineId: '1', citizen: jens, shelterId: 'solvang', stayConversationId: jensAtSolvang, admissionDate: '2026-10-20', firstDay: '2026-10-20', lastDay: '2026-10-30',
      days: 11, dailyRateOere: 145000, ownPaymentOere: 0, amountOere: 11 * 145000, ...over,
    });
    const lines = [
      line({ lineId: '1' }),
      line({ lineId: '2' }),
      line({ lineId: '3', citizen: { cpr: '0303803456', name: 'Never Heard' }, stayConversationId: '7a1c3e5f-0b2d-4e6f-8a9b-0c1d2e3f4a5b' }),
      line({ lineId: '4', stayConversationId: oleAtSolvang, citizen: ole, admissionDate: '2026-11-10', firstDay: '2026-11-11', lastDay: '2026-11-12', days: 2, amountOere: 2 * 145000 }),
      line({ lineId: '5', firstDay: '2026-10-31', lastDay: '2026-10-31', days: 1, dailyRateOere: 150000, amountOere: 150000 }),
    ];
    const total = lines.reduce((s, l) => s + (l.amountOere as number), 0);
    const sent = await finance('161').send({ type: 'stay-invoice', to: '165', payload: { invoiceNumber: '161-OCT-MANUAL', periodFrom: '2026-10-01', periodTo: '2026-10-31', lines, totalOere: total } });
    const received = await reconciledAt165(sent.conversationId);
    expect(received.lines.map((l: any) => l.outcome === 'accepted' ? 'accepted' : l.reason)).toEqual(['accepted', 'duplicate_line', 'not_our_citizen', 'days_outside_stay', 'rate_mismatch']);

    const override = await finance('165').post(`/invoices/${sent.conversationId}/lines/4/override`, { outcome: 'accepted', comment: 'Discharge date corrected by phone with Solvang' });
    expect(override.body.lines[3]).toMatchObject({ outcome: 'accepted', comment: 'Discharge date corrected by phone with Solvang', overriddenBy: expect.stringContaining('finance') });
    const audit = await federation.get('165').node.parts.audit.list({ action: 'invoice.override-line' });
    expect(audit.at(-1)?.detail).toMatchObject({ lineId: '4', from: { outcome: 'disputed', reason: 'days_outside_stay' }, to: { outcome: 'accepted' } });

    const answered = await finance('165').post(`/invoices/${sent.conversationId}/answer`, {});
    expect(answered.body.status).toBe('answered');
    await eventually('answer at Glostrup', async () => {
      const inv = await federation.get('161').node.parts.invoices.find(sent.conversationId);
      return inv?.status === 'reconciled' ? inv : undefined;
    });
    const view = await finance('161').get(`/invoices/${sent.conversationId}`);
    expect(view.body.lines.map((l: any) => [l.lineId, l.outcome, l.reason ?? null])).toEqual([
      ['1', 'accepted', null], ['2', 'disputed', 'duplicate_line'], ['3', 'disputed', 'not_our_citizen'], ['4', 'accepted', null], ['5', 'disputed', 'rate_mismatch'],
    ]);
    expect(view.body.figures).toEqual({ acceptedOere: 11 * 145000 + 2 * 145000, disputedOere: total - 13 * 145000 });
    const deadline = (await federation.get('165').node.parts.conversations.deadlines({ conversationId: sent.conversationId }))[0];
    expect(deadline).toMatchObject({ deadlineId: 'invoice-answer', metOn: '2026-12-02' });
    expect((await finance('165').post(`/invoices/${sent.conversationId}/answer`, {})).body.code).toBe('invoice_state_forbids');
  });

  it('when exported for a finance system, then the CSV has one row per line with exact amounts', async () => {
    const res = await fetch(`${federation.get('165').url}/invoices/${november.id}?format=csv`, { headers: { authorization: `Bearer ${federation.get('165').token('finance')}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await res.text()).trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain(';15;1450,00;0,00;21750,00;godkendt');
  });

  it('when February 2028 is billed, then the leap day is a billed day', async () => {
    now = new Date('2028-03-01T10:00:00Z');
    try {
      await stay('161', 'solvang', ole, '2028-02-10');
      const res = await finance('161').post('/invoices', { paying: '165', periodFrom: '2028-02-01', periodTo: '2028-02-29' });
      const leap = res.body.lines.find((l: any) => l.admissionDate === '2028-02-10');
      expect(leap).toMatchObject({ firstDay: '2028-02-10', lastDay: '2028-02-29', days: 20, amountOere: 20 * 145000 });
    } finally {
      now = new Date('2026-12-02T10:00:00Z');
    }
  });

  it('when a caseworker tries to bill, then 403; when nothing is in the period, then invoice_empty', async () => {
    expect((await asUser(federation.get('161'), 'caseworker').post('/invoices', { paying: '165', periodFrom: '2026-11-01', periodTo: '2026-11-30' })).status).toBe(403);
    expect((await finance('161').post('/invoices', { paying: '165', periodFrom: '2025-01-01', periodTo: '2025-01-31' })).body.code).toBe('invoice_empty');
  });
});
