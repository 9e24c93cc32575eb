import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, type TestNode } from '../helpers/nodes.ts';
import { admissionRequest, noticeRequest } from '../helpers/messages.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';

// The citizen's access report (GET /citizens/report, use-cases/citizen-report.ts) with two citizens:
// each report holds exactly that citizen's records and nothing of the other.
const jens = { cpr: '0101801234', name: 'Jens <b>Jensen</b>' };
const karen = { cpr: '0202902345', name: 'Karen Hansen' };

describe('citizen access report: when København (101), Albertslund (165) and Glostrup (161) hold records of two citizens', () => {
  const federation = new TestFederation();
  const ids: Record<string, string> = {};

  const report = (node: TestNode, cpr: string | undefined, headers: Record<string, string> = {}, role: 'caseworker' | 'admin' | 'outreach' = 'caseworker') =>
    fetch(`${node.url}/citizens/report`, {
      headers: { authorization: `Bearer ${node.token(role)}`, ...(cpr ? { 'x-citizen-cpr': cpr } : {}), 'x-purpose': 'Borgerens anmodning om indsigt', ...headers },
    });
  const json = async (node: TestNode, cpr: string) => {
    const res = await report(node, cpr);
    expect(res.status).toBe(200);
    return { text: JSON.stringify(await res.clone().json()), body: (await res.json()) as Record<string, any> };
  };
  const notice = async (citizen: typeof jens) => {
    const consentId = await federation.consent('101', { citizen });
    const base = noticeRequest('165');
    const sent = await asUser(federation.get('101'), 'outreach').send({ ...base, consentId, payload: { ...base.payload, citizen } });
    return { consentId, ...sent };
  };
  const lookUpConsents = (cpr: string, purpose: string) =>
    fetch(`${federation.get('101').url}/consents`, { headers: { authorization: `Bearer ${federation.get('101').token('caseworker')}`, 'x-citizen-cpr': cpr, 'x-purpose': purpose } });

  beforeAll(async () => {
    await federation.start(['101', '165', '161']);
    const a = await notice(jens);
    const b = await notice(karen);
    Object.assign(ids, { consentA: a.consentId, noticeA: a.id, conversationA: a.conversationId, consentB: b.consentId, noticeB: b.id });
    ids.admissionA = (await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', { payload: { ...admissionRequest('161', '165', 'solvang').payload, citizen: jens } }))).id;
    // An invoice covers many citizens: one line for each. Stored as sent to a municipality with no node
    // (it fails there unroutable): only Glostrup's own record of it matters here.
    const line = (n: string, citizen: typeof jens) => ({ lineId: n, citizen, shelterId: 'solvang', stayConversationId: '0d4b6a51-7c0e-4a43-8f0c-3e2f7f9b8a20', admissionDate: '2026-11-23', firstDay: '2026-11-23', lastDay: '2026-11-30', days: 8, dailyRateOere: 145000, ownPaymentOere: 0, amountOere: 1160000 });
    const invoice = newEnvelope({ type: 'stay-invoice', from: '161', to: '147', payload: { invoiceNumber: '161-2026-11', periodFrom: '2026-11-01', periodTo: '2026-11-30', lines: [line('1', jens), line('2', karen)], totalOere: 2320000 } });
    await federation.get('161').node.parts.messages.storeOutbound(invoice);
    ids.invoice = invoice.id;
    expect((await lookUpConsents(jens.cpr, 'Opfølgning på Jens')).status).toBe(200);
    expect((await lookUpConsents(karen.cpr, 'Opfølgning på Karen')).status).toBe(200);
  }, 120_000);
  afterAll(() => federation.stop());

  it('when the report is asked for Jens where the notice was sent, then it lists exactly his notice, his consent and the look-up of his consents, nothing of Karen', async () => {
    const { text, body } = await json(federation.get('101'), jens.cpr);
    expect(body.municipality).toEqual({ code: '101', name: 'København' });
    expect(body.messages.map((m: { id: string }) => m.id)).toEqual([ids.noticeA]);
    expect(body.messages[0]).toMatchObject({ direction: 'out', type: 'street-sleeper.notice', to: { code: '165', name: 'Albertslund' }, data: { citizen: jens } });
    expect(body.consents.map((c: { id: string }) => c.id)).toEqual([ids.consentA]);
    expect(body.consents[0]).toMatchObject({ status: 'active', purpose: 'street-sleeper-handoff', recipients: ['165'] });
    expect(body.lookups).toEqual([expect.objectContaining({ action: 'consent.lookup', purpose: 'Opfølgning på Jens', actor: expect.stringContaining('caseworker') })]);
    expect(body.completeness).toMatchObject({ messagesTruncated: false, auditScanTruncated: false });
    for (const other of [karen.cpr, karen.name, ids.consentB, ids.noticeB, 'Opfølgning på Karen']) expect(text).not.toContain(other);
  });

  it('when the report is asked where the notice and the admission were received, then it lists both messages and the data received under the consent, nothing of Karen', async () => {
    const { text, body } = await json(federation.get('165'), jens.cpr);
    expect(body.messages.map((m: { id: string }) => m.id).sort()).toEqual([ids.noticeA, ids.admissionA].sort());
    expect(body.messages.every((m: { direction: string }) => m.direction === 'in')).toBe(true);
    expect(body.receivedUnderConsent).toEqual([expect.objectContaining({ consentId: ids.consentA, from: { code: '101', name: 'København' }, messageId: ids.noticeA, withdrawnAt: null })]);
    expect(body.consents).toEqual([]);
    for (const other of [karen.cpr, karen.name, ids.consentB, ids.noticeB]) expect(text).not.toContain(other);
  });

  it("when an invoice names both citizens, then the report shows the invoice with only the asked-for citizen's line", async () => {
    const jensReport = await json(federation.get('161'), jens.cpr);
    const invoice = jensReport.body.messages.find((m: { id: string }) => m.id === ids.invoice);
    expect(invoice.data).toMatchObject({ invoiceNumber: '161-2026-11', lines: [expect.objectContaining({ lineId: '1', citizen: jens })] });
    expect(invoice.data.lines).toHaveLength(1);
    expect(jensReport.body.messages.map((m: { id: string }) => m.id).sort()).toEqual([ids.admissionA, ids.invoice].sort());
    expect(jensReport.text).not.toContain(karen.cpr);
    const karenReport = await json(federation.get('161'), karen.cpr);
    expect(karenReport.body.messages.map((m: { id: string }) => m.id)).toEqual([ids.invoice]);
    expect(karenReport.body.messages[0].data.lines).toEqual([expect.objectContaining({ lineId: '2', citizen: karen })]);
    expect(karenReport.text).not.toContain(jens.cpr);
  });

  it("when the report is asked for, then that is audited with who and why and never the CPR, and the next report for the same citizen lists it; the other citizen's does not", async () => {
    const parts = federation.get('101').node.parts;
    const entry = (await parts.audit.list({ action: 'citizen.report' })).at(-1)!;
    expect(entry).toMatchObject({ actor: expect.stringContaining('caseworker'), outcome: 'done', detail: { purpose: 'Borgerens anmodning om indsigt', consentIds: [ids.consentA] } });
    const audit = JSON.stringify(await parts.audit.list({}, 10_000));
    for (const cpr of [jens.cpr, karen.cpr]) expect(audit).not.toContain(cpr);

    const again = await json(federation.get('101'), jens.cpr);
    expect(again.body.lookups.map((l: { action: string }) => l.action)).toEqual(['consent.lookup', 'citizen.report']);
    const other = await json(federation.get('101'), karen.cpr);
    expect(other.body.lookups.map((l: { action: string; purpose: string }) => [l.action, l.purpose])).toEqual([['consent.lookup', 'Opfølgning på Karen']]);
  });

  it('when a CPR number of a citizen was shown in the console or the evidence of his message was fetched, then the report lists it', async () => {
    const node = federation.get('101');
    // What the console's POST /session/cpr-shown records (console/routes.ts).
    await node.node.parts.audit.record({ actor: 'token:test-caseworker', action: 'cpr.show', outcome: 'done', detail: { kind: 'message', id: ids.noticeA } });
    expect((await fetch(`${node.url}/messages/${ids.noticeA}/evidence`, { headers: { authorization: `Bearer ${node.token('admin')}` } })).status).toBe(200);
    const { body } = await json(node, jens.cpr);
    expect(body.lookups.map((l: { action: string }) => l.action)).toEqual(['consent.lookup', 'citizen.report', 'citizen.report', 'cpr.show', 'message.evidence']);
    const other = await json(node, karen.cpr);
    expect(other.body.lookups.map((l: { action: string }) => l.action)).toEqual(['consent.lookup', 'citizen.report']);
  });

  it('when the page is asked for as HTML, then it is a printable Danish page with everything escaped, no script, the strict CSP and no-store', async () => {
    const res = await report(federation.get('101'), jens.cpr, { accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const page = await res.text();
    expect(page).toContain('<html lang="da">');
    expect(page).toContain('Indsigt i oplysninger om en borger');
    expect(page).toContain('<link rel="stylesheet" href="/style.css">');
    expect(page).toContain('Jens &lt;b&gt;Jensen&lt;/b&gt;');
    expect(page).not.toContain('<b>Jensen');
    expect(page).not.toMatch(/<script|style=/i);
    expect(page).toContain('Sendt til Albertslund');
    expect(page).not.toContain(karen.cpr);
    const css = await fetch(`${federation.get('101').url}/style.css`);
    expect(css.status).toBe(200);
  });

  it('when the CPR header is missing or not a CPR number, the purpose is missing or the role may not, then a problem with its code that never echoes the CPR', async () => {
    const node = federation.get('101');
    const problem = async (res: Response) => ({ status: res.status, text: await res.text() });
    const missing = await problem(await report(node, undefined));
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).code).toBe('citizen_header_missing');
    const invalid = await problem(await report(node, '3213801234'));
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.text).code).toBe('citizen_cpr_invalid');
    expect(invalid.text).not.toContain('3213801234');
    const noPurpose = await report(node, jens.cpr, { 'x-purpose': '' });
    expect(noPurpose.status).toBe(400);
    expect(((await noPurpose.json()) as { code: string }).code).toBe('purpose_missing');
    const outreach = await report(node, jens.cpr, {}, 'outreach');
    expect(outreach.status).toBe(403);
    expect(((await outreach.json()) as { code: string }).code).toBe('role_forbidden');
    expect((await report(node, jens.cpr, {}, 'admin')).status).toBe(200);
  });
});
