import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { browserProblems, expectAccessible, launchBrowser, personPage, shot, tokenLogin } from './browser.ts';

describe('console journey 1: a street sleeper from København to Albertslund', () => {
  const federation = new TestFederation();
  let browser: Browser;
  // The nodes' clock: the last journey lets an hour pass.
  let offsetMs = 0;
  beforeAll(async () => {
    await federation.start(['101', '165'], { now: () => new Date(Date.now() + offsetMs) });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await federation.stop();
  });

  it('when outreach records consent and sends a notice, then the caseworker answers it and outreach sees it answered', async () => {
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const outreach = await personPage(browser);
    await tokenLogin(outreach, kbh.url, kbh.token('outreach'));
    await expectAccessible(outreach, 'outreach: consent page');

    await outreach.getByLabel('CPR-nummer', { exact: true }).first().fill('0101801234');
    await outreach.getByLabel('Navn', { exact: true }).first().fill('Jens Jensen');
    await outreach.getByLabel('Må deles med (kommune)').selectOption('165');
    await shot(outreach, 'outreach-consent');
    await outreach.getByRole('button', { name: 'Registrér samtykke' }).click();
    await outreach.getByRole('heading', { name: 'Samtykket er registreret' }).waitFor();
    await outreach.getByRole('link', { name: 'Send underretning med dette samtykke' }).click();

    await outreach.getByRole('heading', { name: 'Send underretning om gadesover' }).waitFor();
    await expectAccessible(outreach, 'outreach: notice page');
    await outreach.getByLabel('Sted').fill('Hovedbanegården, København V');
    await outreach.getByLabel('Navn', { exact: true }).last().fill('Mette Holm');
    await outreach.getByLabel('Telefon').fill('+45 33 66 33 66');
    await outreach.getByRole('button', { name: 'Send underretning' }).click();
    await outreach.getByRole('heading', { name: /Gadesover: underrettet/ }).waitFor();
    const conversationId = outreach.url().split('/').pop()!;
    expect(outreach.url()).not.toContain('0101801234');
    await eventually('delivery', async () => (await kbh.node.parts.messages.list({ conversationId, limit: 10 })).find((m) => m.status === 'delivered'));

    const caseworker = await personPage(browser);
    await tokenLogin(caseworker, alb.url, alb.token('caseworker'));
    await caseworker.getByRole('heading', { name: 'Indbakke' }).waitFor();
    await expectAccessible(caseworker, 'caseworker: inbox');
    await shot(caseworker, 'caseworker-inbox');
    await caseworker.getByRole('link', { name: 'Åbn og svar' }).first().click();
    await caseworker.locator('#answer-form').waitFor();
    // CPR masked until shown on purpose; the showing is audited.
    expect(await caseworker.locator('.cpr').first().textContent()).toBe('010180-••••');
    expect(await caseworker.content()).not.toContain('0101801234');
    await caseworker.getByRole('button', { name: /Vis CPR/ }).first().click();
    await caseworker.getByText('010180-1234').waitFor();
    const shown = await alb.node.parts.audit.list({ action: 'cpr.show' });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.detail).toMatchObject({ kind: 'conversation', id: conversationId });
    await expectAccessible(caseworker, 'caseworker: conversation');
    await caseworker.locator('#answer-form').getByLabel('Navn').fill('Karen Lund');
    await caseworker.locator('#answer-form').getByLabel('Telefon').fill('43 66 66 66');
    await shot(caseworker, 'caseworker-answer');
    await caseworker.getByRole('button', { name: 'Send svar' }).click();
    await caseworker.getByRole('heading', { name: /Gadesover: besvaret/ }).waitFor();

    await eventually('answer at København', async () => (await kbh.node.parts.conversations.find(conversationId))?.state === 'answered');
    await outreach.goto(`${kbh.url}/#/fulgte`);
    await outreach.getByRole('heading', { name: 'Mine underretninger' }).waitFor();
    const row = await outreach.locator('tbody tr').first().textContent();
    expect(row).toContain('besvaret');
    expect(row).toContain('overholdt');
    await expectAccessible(outreach, 'outreach: follow page');
    await shot(outreach, 'outreach-follow');
    expect(browserProblems(outreach)).toEqual([]);
    expect(browserProblems(caseworker)).toEqual([]);
  }, 180_000);

  it('when a sent notice gets no receipt in time, then every console page says so until the receipt comes', async () => {
    const kbh = federation.get('101');
    const consentId = await federation.consent('101');
    await federation.stopNode('165');
    const sent = await asUser(kbh, 'outreach').post('/messages', noticeRequest('165', { consentId }));
    await eventually('the broker took it', async () => (await kbh.node.parts.messages.find(sent.body.id))?.status === 'sent');
    offsetMs = 61 * 60_000;
    expect(await kbh.node.deliveryWatch.check()).toHaveLength(1);

    const outreach = await personPage(browser);
    await tokenLogin(outreach, kbh.url, kbh.token('outreach'));
    const warning = outreach.locator('#undelivered');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('En sendt besked er ikke leveret endnu.');
    expect(await warning.textContent()).toContain('Albertslund Kommune');
    await expectAccessible(outreach, 'outreach: undelivered warning');
    await warning.getByRole('link').click();
    await outreach.getByText(/Ikke leveret \(no_receipt\)/).waitFor();

    await federation.restartNode('165');
    await eventually('the late receipt', async () => (await kbh.node.parts.messages.find(sent.body.id))?.status === 'delivered', 20_000);
    await outreach.goto(`${kbh.url}/#/fulgte`);
    await outreach.getByRole('heading', { name: 'Mine underretninger' }).waitFor();
    expect(await outreach.locator('#undelivered').count()).toBe(0);
    expect(browserProblems(outreach)).toEqual([]);
  }, 120_000);
});
