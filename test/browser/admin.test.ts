import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser } from 'playwright-core';
import { generateSigningKey, sign, type SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { phoneFingerprint } from '../../services/gateway/src/crypto/keys.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { run as cli } from '../../services/gateway/src/cli/main.ts';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { admissionRequest } from '../helpers/messages.ts';
import { browserProblems, expectAccessible, launchBrowser, personPage, shot, tokenLogin } from './browser.ts';

describe('console journey 4: an admin approves a pending key and replays the refused message', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('161'));
  let browser: Browser;
  beforeAll(async () => {
    await federation.start(['161', '165']);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await probe.close();
    await federation.stop();
  });

  it('when the key is approved and the dead letter replayed, then the message is received', async () => {
    const alb = federation.get('165');
    const generated = await generateSigningKey('161');
    const key: SigningKey = { kid: generated.kid, key: generated, publicJwk: generated.toJSON() as never };
    expect((await asUser(alb, 'admin').post('/admin/keys', { municipality: '161', jwk: key.publicJwk })).status).toBe(201);
    const envelope = newEnvelope({ ...admissionRequest('161', '165', 'solvang'), from: '161' } as never, new Date());
    await probe.publish('165', await federation.sealFor('165', await sign(key, envelope)), envelope.id);
    const listed = await eventually('dead letter', async () => {
      const res = await asUser(alb, 'admin').get('/admin/dead-letters');
      return res.body.deadLetters?.find((d: { id: string }) => d.id === envelope.id);
    });
    expect(listed).toMatchObject({ id: envelope.id, code: 'key_not_active', type: 'shelter.admission-notice', from: '161', to: '165', conversationId: envelope.conversationId });
    expect(JSON.stringify(listed)).not.toContain('0101801234');
    expect((await asUser(alb, 'caseworker').get('/admin/dead-letters')).body.code).toBe('role_forbidden');
    expect((await asUser(alb, 'admin').post('/admin/dead-letters/00000000-0000-4000-8000-000000000000/replay', {})).body.code).toBe('not_found');
    expect((await asUser(alb, 'admin').post('/admin/dead-letters/not-an-id/replay', {})).body.code).toBe('not_found');

    // The CLI lists it in the same form.
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await cli(['dead-letters', 'list', '--node', alb.url, '--token', alb.token('admin')], {});
    const printed = log.mock.calls.map((c) => c[0]).join('\n');
    log.mockRestore();
    expect(printed).toMatch(new RegExp(`key_not_active \\(1\\)\\n  ${envelope.id}  shelter.admission-notice`));

    const admin = await personPage(browser);
    await tokenLogin(admin, alb.url, alb.token('admin'));
    await admin.getByRole('heading', { name: 'Partnernøgler' }).waitFor();

    const row = admin.locator(`tr[data-kid="${key.kid}"]`);
    // The same read-aloud fingerprint as the CLI and npm start print.
    expect(await row.locator('.fingerprint').textContent()).toBe(await phoneFingerprint(key.publicJwk));
    await expectAccessible(admin, 'admin: keys');
    await shot(admin, 'admin-keys');
    await row.getByRole('button', { name: /^Godkend/ }).click();
    await admin.getByText('Nøglen er godkendt.').waitFor();
    await row.getByRole('button', { name: /^Godkend/ }).waitFor({ state: 'detached' });
    expect((await alb.node.parts.trust.list({ municipality: '161' })).find((k) => k.kid === key.kid)?.status).toBe('active');

    await admin.getByRole('link', { name: 'Afviste beskeder' }).click();
    await admin.getByRole('heading', { name: 'key_not_active (1)' }).waitFor();
    await admin.getByText('Sammenlign fingeraftrykket med partneren i telefonen, godkend nøglen, og genafspil beskeden.').waitFor();
    await expectAccessible(admin, 'admin: dead letters');
    await shot(admin, 'admin-dead-letters');
    await admin.locator(`tr[data-id="${envelope.id}"]`).getByRole('button', { name: /^Genafspil/ }).click();
    await admin.getByText('Ingen afviste beskeder.').waitFor();
    await eventually('replayed message received', async () => (await alb.node.parts.messages.find(envelope.id))?.status === 'accepted');
    expect((await alb.node.parts.audit.list({ action: 'dead-letter.replay' }))[0]).toMatchObject({ messageId: envelope.id, detail: { code: 'key_not_active' } });

    await admin.goto(`${alb.url}/#/samtale/${envelope.conversationId}`);
    await admin.getByText('modtaget fra Glostrup').waitFor();

    const checkpoint = (await asUser(alb, 'admin').post('/checkpoints', {})).body.checkpoint;
    await admin.getByRole('link', { name: 'Kontrol og sundhed' }).click();
    await admin.getByText(`revisionsloggen til post ${checkpoint.audit.seq}, samtykkeloggen til post ${checkpoint.consent.seq}`, { exact: false }).waitFor();
    await admin.getByRole('button', { name: 'Kontrollér Revisionsloggen' }).click();
    await admin.getByText(/Revisionsloggen: kæden er hel/).waitFor();
    await expectAccessible(admin, 'admin: checks');
    await shot(admin, 'admin-checks');
    await admin.getByRole('link', { name: 'Nøgler til systemer' }).click();
    await admin.getByLabel('Navn').fill('Økonomisystem');
    await admin.getByRole('button', { name: 'Opret nøgle' }).click();
    expect(await admin.locator('#new-token').textContent()).toMatch(/^kb_/);
    await expectAccessible(admin, 'admin: tokens');
    expect(browserProblems(admin)).toEqual([]);
  }, 180_000);
});
