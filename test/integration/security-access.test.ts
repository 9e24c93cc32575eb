import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { TestFederation, asUser, sendUnchecked } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';

const response = { contact: { name: 'Karen Lund', phone: '43 68 68 68' }, offer: { kind: 'shelter-place', date: '2026-11-30' } };

describe('replies, system-only types, failure limits and look-ups by CPR', () => {
  const federation = new TestFederation();
  let consentId: string;
  let notice: { id: string; conversationId: string };
  beforeAll(async () => {
    await federation.start(['101', '165']);
    // Glostrup: behind a trusted proxy on loopback, three failures a minute.
    await federation.startNode('161', {}, { KB_TRUST_PROXY: '127.0.0.1', KB_AUTH_FAILURE_LIMIT: '3' });
    consentId = await federation.consent('101');
    notice = await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId }));
  }, 90_000);
  afterAll(() => federation.stop());

  const call = (code: string, path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${federation.get(code).url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...headers } });
  const bearer = (token: string, client?: string) => ({ authorization: `Bearer ${token}`, ...(client ? { 'x-forwarded-for': client } : {}) });

  describe('a reply names a message of the conversation that the replier received', () => {
    const reply = (inReplyTo: string, conversationId = notice.conversationId) =>
      asUser(federation.get('165'), 'caseworker').post('/messages', { type: 'street-sleeper.response', to: '101', conversationId, inReplyTo, payload: response });

    it('when inReplyTo names no message at all, then 422 reply_unknown', async () => {
      const res = await reply(randomUUID());
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('reply_unknown');
    });

    it('when inReplyTo names a message the replier sent itself, then 422 reply_unknown', async () => {
      const ours = await asUser(federation.get('165'), 'caseworker').post('/messages', { type: 'street-sleeper.response', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id, payload: response });
      expect(ours.status).toBe(202);
      const res = await reply(ours.body.id);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('reply_unknown');
    });

    it('when a partner sends a reply naming no message of ours past its own checks, then the recipient refuses it as reply_unknown', async () => {
      const envelope = newEnvelope({ type: 'street-sleeper.response', from: '165', to: '101', conversationId: notice.conversationId, inReplyTo: randomUUID(), payload: response }, new Date());
      const rejected = await sendUnchecked(federation.get('165'), envelope);
      expect(rejected.reason?.code).toBe('reply_unknown');
    });

    it('when a partner replies in a conversation with the id of a message from another conversation, then reply_unknown', async () => {
      const other = await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId: await federation.consent('101') }));
      const envelope = newEnvelope({ type: 'street-sleeper.response', from: '165', to: '101', conversationId: notice.conversationId, inReplyTo: other.id, payload: response }, new Date());
      expect((await sendUnchecked(federation.get('165'), envelope)).reason?.code).toBe('reply_unknown');
    });
  });

  describe('types only the node itself sends', () => {
    it('when a user posts consent.withdrawn to POST /messages, then 403 system_only and nothing is sent', async () => {
      const before = (await federation.get('101').node.parts.messages.list({ type: 'consent.withdrawn', limit: 100 })).length;
      const res = await asUser(federation.get('101'), 'outreach').post('/messages', { type: 'consent.withdrawn', to: '165', payload: { consentId, withdrawnAt: new Date().toISOString(), conversationIds: [notice.conversationId] } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('system_only');
      expect((await federation.get('101').node.parts.messages.list({ type: 'consent.withdrawn', limit: 100 })).length).toBe(before);
    });

    it('when an admin posts trust.key-rotation to POST /messages, then 403 system_only', async () => {
      const key = federation.get('101').key;
      const res = await asUser(federation.get('101'), 'admin').post('/messages', { type: 'trust.key-rotation', to: '165', payload: { newKey: key.publicJwk, validFrom: new Date().toISOString(), replacesKid: key.kid } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('system_only');
    });

    it('when a consent is withdrawn through its endpoint, then the node still sends consent.withdrawn', async () => {
      const id = await federation.consent('101');
      await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId: id }));
      const res = await asUser(federation.get('101'), 'outreach').post(`/consents/${id}/withdraw`, { method: 'oral' });
      expect(res.status).toBe(200);
      expect(res.body.notified).toEqual(['165']);
    });
  });

  describe('failure limits per client and per credential', () => {
    const glostrup = () => federation.get('161');

    it('when one client fails three times, then it gets 429 with Retry-After, while a valid token from the same address still works and another client is not limited', async () => {
      for (let i = 0; i < 3; i++) expect((await call('161', '/messages', bearer(`guess-${i}-${randomUUID()}`, '10.0.0.1'))).status).toBe(401);
      const limited = await call('161', '/messages', bearer(`guess-x-${randomUUID()}`, '10.0.0.1'));
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { code: string }).code).toBe('too_many_failures');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect((await call('161', '/messages', bearer(glostrup().token('caseworker'), '10.0.0.1'))).status).toBe(200);
      expect((await call('161', '/messages', bearer(`guess-y-${randomUUID()}`, '10.0.0.2'))).status).toBe(401);
    });

    it('when one bad token is tried from many addresses, then the credential is limited', async () => {
      const token = `stolen-${randomUUID()}`;
      for (let i = 0; i < 3; i++) expect((await call('161', '/messages', bearer(token, `10.1.0.${i}`))).status).toBe(401);
      const limited = await call('161', '/messages', bearer(token, '10.1.0.99'));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).not.toBeNull();
    });

    it('when a token is revoked, then it is refused at once, with the same 401 detail as a token that never existed', async () => {
      const admin = bearer(glostrup().token('admin'), '10.2.0.1');
      const made = (await (await call('161', '/admin/tokens', admin, { method: 'POST', body: JSON.stringify({ role: 'caseworker' }) })).json()) as { id: string; token: string };
      // Used first, so the node remembers it (data/tokens.ts): the revocation must forget it.
      expect((await call('161', '/messages', bearer(made.token, '10.2.0.2'))).status).toBe(200);
      expect((await call('161', `/admin/tokens/${made.id}/revoke`, admin, { method: 'POST', body: '{}' })).status).toBe(200);
      const revoked = await call('161', '/messages', bearer(made.token, '10.2.0.2'));
      const unknown = await call('161', '/messages', bearer(`kb_${randomUUID()}`, '10.2.0.3'));
      expect(revoked.status).toBe(401);
      expect(unknown.status).toBe(401);
      // Each problem has its own request id (instance); everything else is the same.
      const withoutInstance = async (res: Response) => ({ ...((await res.json()) as Record<string, unknown>), instance: undefined });
      expect(await withoutInstance(revoked)).toEqual(await withoutInstance(unknown));
    });

    it('when trust proxy is not configured (the default), then X-Forwarded-For does not give an attacker new addresses', async () => {
      for (let i = 0; i < 10; i++) expect((await call('165', '/messages', bearer(`guess-${i}-${randomUUID()}`, `10.3.0.${i}`))).status).toBe(401);
      expect((await call('165', '/messages', bearer(`guess-${randomUUID()}`, '10.3.0.200'))).status).toBe(429);
      expect((await call('165', '/messages', bearer(federation.get('165').token('caseworker')))).status).toBe(200);
    });
  });

  describe('personal data is not cached, and look-ups by CPR are audited and limited', () => {
    const lookUp = (token: string, purpose?: string) => call('101', '/consents', { ...bearer(token), 'x-citizen-cpr': '0101801234', ...(purpose ? { 'x-purpose': purpose } : {}) });

    it('when an authenticated answer or a 401 is sent, then it says Cache-Control: no-store', async () => {
      expect((await call('101', '/messages', bearer(federation.get('101').token('caseworker')))).headers.get('cache-control')).toBe('no-store');
      expect((await call('101', `/messages/${notice.id}`, bearer(federation.get('101').token('caseworker')))).headers.get('cache-control')).toBe('no-store');
      expect((await call('101', '/messages', {})).headers.get('cache-control')).toBe('no-store');
    });

    it('when a look-up by CPR says no purpose, then 400 purpose_missing and nothing is read', async () => {
      const res = await lookUp(federation.get('101').token('caseworker'));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('purpose_missing');
    });

    it('when a caseworker looks a citizen up, then the look-up is audited with who and why, and never the CPR', async () => {
      const res = await lookUp(federation.get('101').token('caseworker'), 'Henvendelse fra borgeren');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { consents: unknown[] }).consents.length).toBeGreaterThan(0);
      const entries = await federation.get('101').node.parts.audit.list({ action: 'consent.lookup' });
      const entry = entries.at(-1)!;
      expect(entry).toMatchObject({ actor: expect.stringContaining('caseworker'), outcome: 'done', detail: { purpose: 'Henvendelse fra borgeren' } });
      expect(entry.at).toMatch(/^\d{4}-/);
      expect(JSON.stringify(entries)).not.toContain('0101801234');
    });

    it('when another outreach worker looks the citizen up, then only consents of their own case are shown, and the look-up is audited', async () => {
      const made = await asUser(federation.get('101'), 'admin').post('/admin/tokens', { role: 'outreach', label: 'Another outreach worker' });
      const res = await lookUp(made.body.token, 'Opsøgende arbejde');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { consents: unknown[] }).consents).toEqual([]);
      const entry = (await federation.get('101').node.parts.audit.list({ action: 'consent.lookup' })).at(-1)!;
      expect(entry.detail).toMatchObject({ results: 0 });
      expect((entry.detail as { withheld: number }).withheld).toBeGreaterThan(0);
    });
  });
});
