import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { contractDir } from '../../services/gateway/src/domain/contracts.ts';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { admissionRequest } from '../helpers/messages.ts';
import { browserProblems, expectAccessible, launchBrowser, personPage, shot, tokenLogin } from './browser.ts';

/** The repository's contracts plus Solvang ↔ Herning, so Albertslund can forward a Solvang stay to Herning. */
function contractsWithHerning(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-contracts-'));
  cpSync(contractDir, dir, { recursive: true });
  writeFileSync(path.join(dir, 'agreements', 'glostrup-herning-shelter-stay.json'), JSON.stringify({
    id: 'glostrup-herning-shelter-stay', model: 'shelter-stay', title: 'Solvang (Glostrup) ↔ Herning (test)',
    parties: { shelter: '161', handling: '657' }, validFrom: '2026-01-01', validTo: '2028-12-31', keyRotation: 'automatic',
  }));
  return dir;
}

describe('console journeys 2 and 3: a Solvang stay forwarded, and its invoice', () => {
  const federation = new TestFederation();
  let browser: Browser;
  beforeAll(async () => {
    await federation.start(['161', '165', '657'], { env: { KB_CONTRACT_DIR: contractsWithHerning() } });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await federation.stop();
  });

  it('when Solvang sends an admission notice and Albertslund forwards it, then Herning sees the stay', async () => {
    const [glostrup, alb, herning] = ['161', '165', '657'].map((c) => federation.get(c));
    const shelter = await personPage(browser);
    await tokenLogin(shelter, glostrup!.url, glostrup!.token('shelter'));
    await shelter.getByRole('heading', { name: 'Meddelelse om optagelse (§ 110)' }).waitFor();
    await shelter.getByText(/senest .* \(3 arbejdsdage efter afgørelsen/).waitFor();
    await shelter.getByLabel('Optagelsesafgørelse truffet').fill('2026-11-27');
    await shelter.getByLabel('Optagelsesafgørelse truffet').dispatchEvent('change');
    // Friday 27 November 2026 + 3 working days = Wednesday 2 December.
    await shelter.getByText(/senest 2\. dec\. 2026/).waitFor();
    await shelter.getByLabel('CPR-nummer').fill('0303803456');
    await shelter.getByLabel('Navn', { exact: true }).first().fill('Ole Olsen');
    await shelter.getByLabel('Handlekommune (sidste bopæl)').selectOption('165');
    await shelter.getByLabel('Navn', { exact: true }).last().fill('Lene Berg');
    await shelter.getByLabel('Telefon').fill('43 23 00 00');
    await expectAccessible(shelter, 'shelter: admission');
    await shot(shelter, 'shelter-admission');
    await shelter.getByRole('button', { name: 'Send meddelelse om optagelse' }).click();
    await shelter.getByRole('heading', { name: /Herbergsophold \(§ 110\): optaget/ }).waitFor();
    const conversationId = shelter.url().split('/').pop()!;
    await eventually('admission at Albertslund', () => alb!.node.parts.conversations.find(conversationId));

    const caseworker = await personPage(browser);
    await tokenLogin(caseworker, alb!.url, alb!.token('caseworker'));
    await caseworker.getByRole('link', { name: 'Åbn og svar' }).first().click();
    const form = caseworker.locator('#decision-form');
    await form.waitFor();
    await form.getByLabel('Afgørelse').selectOption('forward');
    await form.getByLabel('Begrundelse').fill('Folkeregistreret i Herning siden 2023');
    await form.getByLabel('Videresend til').selectOption('657');
    await form.getByLabel('Navn').fill('Karen Lund');
    await form.getByLabel('Telefon').fill('43 66 66 66');
    await expectAccessible(caseworker, 'caseworker: decision');
    await form.getByRole('button', { name: 'Send afgørelse' }).click();
    await caseworker.getByText('Afgørelse: videresendt til Herning Kommune').waitFor();

    await eventually('forward at Solvang', async () => (await glostrup!.node.parts.conversations.find(conversationId))?.state === 'forwarded');
    await shelter.goto(`${glostrup!.url}/#/ophold`);
    await shelter.getByRole('heading', { name: 'Aktuelle ophold' }).waitFor();
    await expectAccessible(shelter, 'shelter: stays');
    await shot(shelter, 'shelter-stays');
    await shelter.getByRole('link', { name: 'Åbn' }).first().click();
    await shelter.getByRole('button', { name: 'Send meddelelse om optagelse til Herning' }).click();
    await eventually('stay at Herning', () => herning!.node.parts.conversations.find(conversationId));

    const herningCaseworker = await personPage(browser);
    await tokenLogin(herningCaseworker, herning!.url, herning!.token('caseworker'));
    await herningCaseworker.getByRole('link', { name: 'Åbn og svar' }).first().click();
    await herningCaseworker.locator('#decision-form').waitFor();
    const timeline = await herningCaseworker.locator('ol.timeline').textContent();
    expect(timeline).toContain('Meddelelse om optagelse (§ 110)');
    expect(timeline).toContain('modtaget fra Glostrup');
    await shot(herningCaseworker, 'timeline-forwarded');
    for (const p of [shelter, caseworker, herningCaseworker]) expect(browserProblems(p)).toEqual([]);
  }, 180_000);

  it('when a finance officer disputes one line, overrides another and answers, then Solvang sees the outcome and the CSV opens in Danish Excel', async () => {
    const [glostrup, alb] = ['161', '165'].map((c) => federation.get(c));
    await asUser(glostrup!, 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-11-02'));
    await asUser(glostrup!, 'shelter').send(admissionRequest('161', '165', 'solvang', { payload: { ...admissionRequest('161', '165', 'solvang').payload, citizen: { cpr: '0202802345', name: '=Anna Berg' }, admissionDecisionDate: '2026-11-10', admissionDate: '2026-11-10' } }));
    const draft = await asUser(glostrup!, 'finance').post('/invoices', { paying: '165', periodFrom: '2026-11-01', periodTo: '2026-11-20', draft: true });
    expect(draft.status).toBe(200);
    const lines = [...draft.body.lines, { ...draft.body.lines[0], lineId: String(draft.body.lines.length + 1) }];
    const sent = await asUser(glostrup!, 'finance').send({ type: 'stay-invoice', to: '165', payload: { ...draft.body, draft: undefined, lines, totalOere: lines.reduce((t: number, l: { amountOere: number }) => t + l.amountOere, 0) } });

    const finance = await personPage(browser);
    await tokenLogin(finance, alb!.url, alb!.token('finance'));
    await finance.getByRole('heading', { name: 'Fakturaer' }).waitFor();
    await expectAccessible(finance, 'finance: invoices');
    await finance.getByRole('link', { name: /^161-/ }).first().click();
    await finance.getByRole('heading', { name: /^Faktura 161-/ }).waitFor();
    // The duplicate line is disputed automatically, with the reason in words.
    expect(await finance.locator('tr[data-line="3"] td.outcome').textContent()).toBe('bestridtduplicate_line: Linjen står to gange på fakturaen.');
    await expectAccessible(finance, 'finance: invoice');
    await shot(finance, 'finance-invoice');

    const dispute = finance.locator('tr[data-line="2"] form');
    await dispute.getByLabel('Udfald').selectOption('disputed');
    await dispute.getByLabel('Årsag (ved bestridelse)').selectOption('rate_mismatch');
    await dispute.getByLabel('Kommentar').fill('Aftalt takst er lavere');
    await dispute.getByRole('button', { name: 'Gem' }).click();
    await finance.locator('tr[data-line="2"] td.outcome', { hasText: 'rate_mismatch: Døgntaksten er ikke aftalens.' }).waitFor();
    const override = finance.locator('tr[data-line="3"] form');
    await override.getByLabel('Udfald').selectOption('accepted');
    await override.getByLabel('Kommentar').fill('Bekræftet i telefonen med Solvang');
    await override.getByRole('button', { name: 'Gem' }).click();
    await finance.locator('tr[data-line="3"] td.outcome', { hasText: 'Kommentar: Bekræftet i telefonen med Solvang' }).waitFor();
    await finance.getByRole('button', { name: 'Send svar på fakturaen' }).click();
    await finance.locator('#invoice-status', { hasText: 'besvaret' }).waitFor();

    const [download] = await Promise.all([finance.waitForEvent('download'), finance.locator('#csv').click()]);
    const csv = Buffer.from(await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks)));
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = csv.toString('utf8').slice(1).trim().split('\r\n');
    expect(rows[0]!.split(';')).toHaveLength(17);
    expect(rows).toHaveLength(4);
    expect(rows.join('\n')).toContain(";'=Anna Berg;");
    expect(rows.join('\n')).toContain(';020280-2345;');
    expect(rows[2]).toMatch(/;bestridt;rate_mismatch;Aftalt takst er lavere$/);

    await eventually('reconciled at Solvang', async () => (await glostrup!.node.parts.invoices.find(sent.conversationId))?.status === 'reconciled');
    const atSolvang = (await glostrup!.node.parts.invoices.find(sent.conversationId))!;
    expect(atSolvang.lines.map((l) => l.outcome)).toEqual(['accepted', 'disputed', 'accepted']);
    expect(browserProblems(finance)).toEqual([]);
  }, 180_000);
});
