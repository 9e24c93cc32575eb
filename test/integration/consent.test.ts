import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { admissionRequest, noticeRequest } from '../helpers/messages.ts';
import { adminQuery } from '../helpers/postgres.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';

describe('consent log and legal basis between real nodes', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165', '161']), 90_000);
  afterAll(() => federation.stop());

  const outreach = () => asUser(federation.get('101'), 'outreach');
  const refusal = async (body: unknown) => {
    const res = await outreach().post('/messages', body);
    return { status: res.status, code: res.body.code as string };
  };

  describe('recording and inspecting', () => {
    it('when a consent is recorded, then it is listed for the citizen by header, active, with who recorded it', async () => {
      const id = await federation.consent('101');
      const res = await fetch(`${federation.get('101').url}/consents`, { headers: { authorization: `Bearer ${federation.get('101').token('caseworker')}`, 'x-citizen-cpr': '0101801234', 'x-purpose': 'test: listing' } });
      const body = (await res.json()) as { consents: Record<string, any>[] };
      expect(res.status).toBe(200);
      const listed = body.consents.find((c) => c.id === id)!;
      expect(listed).toMatchObject({ status: 'active', purpose: 'street-sleeper-handoff', recipients: ['165'], method: 'oral', recordedBy: expect.stringContaining('outreach') });
    });

    it('when the CPR is put in the URL instead of the header, then it is not used: 400 citizen_header_missing', async () => {
      const res = await outreach().get('/consents?cpr=0101801234');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('citizen_header_missing');
      expect(JSON.stringify(res.body)).not.toContain('0101801234');
    });
  });

  describe('when sending under a consent', () => {
    it('with an id the log does not know, then consent_missing', async () => {
      expect(await refusal(noticeRequest('165', { consentId: 'no-such-consent' }))).toEqual({ status: 422, code: 'consent_missing' });
    });

    it('for another citizen, then consent_scope', async () => {
      const consentId = await federation.consent('101', { citizen: { cpr: '0202801234' } });
      expect(await refusal(noticeRequest('165', { consentId }))).toEqual({ status: 422, code: 'consent_scope' });
    });

    it('to a municipality the consent does not name, then consent_scope', async () => {
      const consentId = await federation.consent('101', { recipients: ['161'] });
      expect(await refusal(noticeRequest('165', { consentId }))).toEqual({ status: 422, code: 'consent_scope' });
    });

    it('for another purpose, then consent_scope', async () => {
      const consentId = await federation.consent('101', { purpose: 'shelter-stay', conversationId: randomUUID() }); // shelter-stay consents name their stay
      expect(await refusal(noticeRequest('165', { consentId }))).toEqual({ status: 422, code: 'consent_scope' });
    });

    it('with health information the consent does not cover, then consent_scope', async () => {
      const consentId = await federation.consent('101');
      const notice = noticeRequest('165', { consentId });
      (notice.payload as Record<string, unknown>).situation = { health: 'Diabetes, needs insulin' };
      const res = await outreach().post('/messages', notice);
      expect(res.body).toMatchObject({ code: 'consent_scope', detail: expect.stringContaining('health') });
    });

    it('that has expired, then consent_expired', async () => {
      const consentId = await federation.consent('101', { givenAt: '2026-01-01T10:00:00Z', expiresAt: '2026-02-01T10:00:00Z' });
      expect(await refusal(noticeRequest('165', { consentId }))).toEqual({ status: 422, code: 'consent_expired' });
    });

    it('by statute instead, then no consent is needed and the audit entry names the statute', async () => {
      const sent = await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-11-23'));
      const audit = await federation.get('161').node.parts.audit.forMessage(sent.id);
      expect(audit[0]).toMatchObject({ action: 'message.send', outcome: 'accepted', detail: { legalBasis: 'statute: Serviceloven § 110 stk. 6' } });
      const received = await federation.get('165').node.parts.audit.forMessage(sent.id);
      expect(received[0]?.detail?.legalBasis).toBe('statute: Serviceloven § 110 stk. 6');
    });
  });

  describe('when the citizen withdraws the consent', () => {
    it('then København stops at once, Albertslund is notified, records it, restricts the conversation and refuses to pass the data on', async () => {
      const consentId = await federation.consent('101');
      const notice = await outreach().send(noticeRequest('165', { consentId }));
      const alb = federation.get('165').node.parts;
      const received = await alb.consents.entries({ consentId, kind: 'received' });
      expect(received).toHaveLength(1);
      expect(received[0]!.body).toMatchObject({ sender: '101', messageId: notice.id, purpose: 'street-sleeper-handoff', categories: ['identity', 'whereabouts', 'wishes'] });

      const withdrawn = await outreach().post(`/consents/${consentId}/withdraw`, { method: 'oral', note: 'Asked us to stop' });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ status: 'withdrawn', notified: ['165'] });

      expect(await refusal(noticeRequest('165', { consentId }))).toEqual({ status: 422, code: 'consent_withdrawn' });
      await eventually('withdrawal recorded at Albertslund', async () => (await alb.consents.entries({ consentId, kind: 'withdrawal-received' })).length === 1);
      expect((await alb.conversations.find(notice.conversationId))?.restricted).toBe(true);
      const passOn = await asUser(federation.get('165'), 'caseworker').post('/messages', {
        type: 'street-sleeper.response', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id,
        payload: { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'none', reason: 'Consent withdrawn' } },
      });
      expect(passOn.status).toBe(422);
      expect(passOn.body.code).toBe('consent_withdrawn');

      const again = await outreach().post(`/consents/${consentId}/withdraw`, { method: 'oral' });
      expect(again.body.code).toBe('consent_withdrawn');
    });

    it('then a partner that ignores the withdrawal is refused by the recipient with consent_withdrawn', async () => {
      const consentId = await federation.consent('101');
      await outreach().send(noticeRequest('165', { consentId }));
      await outreach().post(`/consents/${consentId}/withdraw`, { method: 'written' });
      const alb = federation.get('165').node.parts;
      await eventually('withdrawal recorded', async () => (await alb.consents.entries({ consentId, kind: 'withdrawal-received' })).length === 1);
      // København's node is bypassed, as a faulty node would.
      const envelope = newEnvelope({ type: 'street-sleeper.notice', from: '101', to: '165', consentId, payload: noticeRequest('165').payload });
      const rejected = await sendUnchecked(federation.get('101'), envelope);
      expect(rejected.reason?.code).toBe('consent_withdrawn');
    });

    it('then a consent-based message that arrives without consentId is refused consent_missing', async () => {
      const envelope = newEnvelope({ type: 'street-sleeper.notice', from: '101', to: '165', payload: noticeRequest('165').payload });
      const rejected = await sendUnchecked(federation.get('101'), envelope);
      expect(rejected.reason?.code).toBe('consent_missing');
    });
  });

  describe('tamper evidence', () => {
    const admin = (code: string) => asUser(federation.get(code), 'admin');

    it('when the logs are intact, then both verify endpoints report every entry linked', async () => {
      await federation.consent('101');
      for (const path of ['/consents/verify', '/audit/verify']) {
        const res = await admin('101').get(path);
        expect(res.status).toBe(200);
        expect(res.body.ok).toBe(true);
        expect(res.body.entries).toBeGreaterThan(0);
      }
    });

    it('when partner keys were imported at start, then each import is in the audit log', async () => {
      const imports = await federation.get('165').node.parts.audit.list({ action: 'key.import' });
      // A signing and an encryption key of each.
      expect(imports.map((a) => a.detail?.municipality).sort()).toEqual(['101', '101', '161', '161', '165', '165']);
    });

    it('when someone tries UPDATE or DELETE on a log table, then PostgreSQL refuses', async () => {
      const db = federation.get('101').databaseName;
      await expect(adminQuery(`UPDATE "ConsentEntry" SET "cpr" = NULL WHERE seq = 1`, db)).rejects.toThrow(/append-only/);
      await expect(adminQuery(`DELETE FROM "AuditEntry" WHERE seq = 1`, db)).rejects.toThrow(/append-only/);
      await expect(adminQuery(`TRUNCATE "AuditEntry"`, db)).rejects.toThrow(/append-only/);
    });

    it('when a row is edited directly in PostgreSQL with the guard switched off, then verify reports the first broken entry', async () => {
      const db = federation.get('101').databaseName;
      await adminQuery(
        `ALTER TABLE "ConsentEntry" DISABLE TRIGGER USER;
         UPDATE "ConsentEntry" SET body = jsonb_set(body, '{recipients}', '["165","657"]') WHERE seq = 2;
         ALTER TABLE "ConsentEntry" ENABLE TRIGGER USER;
         ALTER TABLE "AuditEntry" DISABLE TRIGGER USER;
         UPDATE "AuditEntry" SET actor = 'someone-else' WHERE seq = 3;
         ALTER TABLE "AuditEntry" ENABLE TRIGGER USER;`,
        db,
      );
      const consents = await admin('101').get('/consents/verify');
      expect(consents.status).toBe(409);
      expect(consents.body).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'its content does not match its hash' } });
      const audit = await admin('101').get('/audit/verify');
      expect(audit.status).toBe(409);
      expect(audit.body).toMatchObject({ ok: false, firstBroken: { seq: 3 } });
      expect((await asUser(federation.get('101'), 'caseworker').get('/audit/verify')).status).toBe(403);
    });
  });
});
