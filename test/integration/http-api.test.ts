import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { cutDatabase, restoreDatabase } from '../helpers/postgres.ts';

describe('HTTP API of a node', () => {
  const federation = new TestFederation();
  let consentId: string;
  beforeAll(async () => {
    await federation.start(['101', '165']);
    consentId = await federation.consent('101');
  }, 60_000);
  afterAll(() => federation.stop());

  const kbh = () => federation.get('101');
  const post = (role: 'outreach' | 'caseworker' | 'finance', body: unknown) =>
    request(kbh().url).post('/messages').set('authorization', `Bearer ${kbh().token(role)}`).send(body as object);

  describe('authentication and roles', () => {
    it('when no token is sent, then 401 unauthenticated as problem+json', async () => {
      const res = await request(kbh().url).post('/messages').send(noticeRequest());
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('when the token is unknown, then 401 unauthenticated', async () => {
      const res = await request(kbh().url).get('/messages').set('authorization', 'Bearer not-a-real-token-at-all');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it("when a caseworker sends an outreach worker's notice, then 403 role_forbidden and nothing is stored", async () => {
      const before = (await kbh().node.parts.messages.list({ direction: 'out', limit: 1000 })).length;
      const res = await post('caseworker', noticeRequest());
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('role_forbidden');
      expect((await kbh().node.parts.messages.list({ direction: 'out', limit: 1000 })).length).toBe(before);
    });

    it('when a finance officer lists messages, then the role is allowed to read', async () => {
      const res = await request(kbh().url).get('/messages').set('authorization', `Bearer ${kbh().token('finance')}`);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.messages)).toBe(true);
    });
  });

  describe('POST /messages refusals', () => {
    it('when the payload breaks its schema, then 400 schema_invalid with JSON pointers and no CPR in the answer', async () => {
      const bad = noticeRequest('165');
      (bad.payload as Record<string, unknown>).citizen = { cpr: '3113801234' };
      delete (bad.payload as Record<string, unknown>).wishes;
      const res = await post('outreach', bad);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('schema_invalid');
      const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/payload/citizen/cpr', '/payload/wishes']));
      expect(JSON.stringify(res.body)).not.toContain('3113801234');
    });

    it('when a CPR number fails modulus 11 but has a real date, then it is accepted', async () => {
      // 0101801234: weighted sum is not divisible by 11; such numbers exist since 2007.
      const res = await post('outreach', noticeRequest('165', { consentId }));
      expect(res.status).toBe(202);
    });

    it('when the recipient is not a municipality code, then 400 schema_invalid pointing at /to', async () => {
      const res = await post('outreach', noticeRequest('999'));
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/to');
    });

    it('when the type belongs to no collaboration model, then 400 unknown_type', async () => {
      const res = await post('outreach', { ...noticeRequest(), type: 'street-sleeper.gossip' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('unknown_type');
    });

    it('when a consent-based notice has no consentId, then 422 consent_missing', async () => {
      const { consentId: _, ...withoutConsent } = noticeRequest('165');
      const res = await post('outreach', withoutConsent);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('consent_missing');
    });

    it('when a response would open a new conversation, then 409 state_forbids', async () => {
      const res = await post('caseworker', {
        type: 'street-sleeper.response',
        to: '165',
        inReplyTo: '4a0c2a52-2b0e-4c55-9d7e-1f2e3d4c5b6a',
        payload: { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'shelter-place', date: '2026-11-30' } },
      });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('state_forbids');
    });

    it('when no agreement covers the recipient, then 403 no_agreement', async () => {
      const res = await post('outreach', noticeRequest('657'));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('no_agreement');
    });

    it('when the body is not JSON, then 400 body_malformed', async () => {
      const res = await request(kbh().url).post('/messages').set('authorization', `Bearer ${kbh().token('outreach')}`).set('content-type', 'application/json').send('{"type": ');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('body_malformed');
    });

    it('when the body is larger than 256 KiB, then 413 request_too_large', async () => {
      const res = await post('outreach', { ...noticeRequest(), padding: 'x'.repeat(300 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('request_too_large');
    });
  });

  describe('reading messages', () => {
    it('when a message id is unknown, then 404 not_found', async () => {
      const res = await request(kbh().url).get('/messages/4a0c2a52-2b0e-4c55-9d7e-1f2e3d4c5b6a').set('authorization', `Bearer ${kbh().token('caseworker')}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    });

    it('when filtering by conversation and direction, then only that conversation is listed, with timestamps', async () => {
      const sent = await post('outreach', noticeRequest('165', { consentId }));
      await eventually('delivered', async () => (await kbh().node.parts.messages.find(sent.body.id))?.status === 'delivered');
      const res = await request(kbh().url)
        .get(`/messages?direction=out&status=delivered&conversationId=${sent.body.conversationId}`)
        .set('authorization', `Bearer ${kbh().token('caseworker')}`);
      expect(res.status).toBe(200);
      expect(res.body.messages).toHaveLength(1);
      expect(res.body.messages[0]).toMatchObject({ id: sent.body.id, status: 'delivered', type: 'street-sleeper.notice' });
      for (const field of ['createdAt', 'sentAt', 'deliveredAt']) expect(Date.parse(res.body.messages[0][field])).not.toBeNaN();
    });

    it('when a filter value is invalid, then 400 query_invalid', async () => {
      const res = await request(kbh().url).get('/messages?status=lost').set('authorization', `Bearer ${kbh().token('caseworker')}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('query_invalid');
    });
  });

  describe('errors that carry their own status', () => {
    it('when the path holds a malformed percent escape, then 400 request_invalid as problem+json, not 500', async () => {
      const res = await request(kbh().url).get('/messages/%E0%A4%A').set('authorization', `Bearer ${kbh().token('outreach')}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('request_invalid');
    });
  });

  describe('public endpoints', () => {
    it('when asked for its keys, then the node serves its public ES256 signing key and its encryption key without the private parts', async () => {
      const res = await request(kbh().url).get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.body.keys).toHaveLength(2);
      expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: kbh().key.kid });
      expect(res.body.keys[1]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A256KW', use: 'enc', kid: kbh().node.parts.ownKeys.status().encryption.current });
      expect(res.body.keys.filter((k: Record<string, unknown>) => 'd' in k)).toEqual([]);
    });

    it('when broker and database are up, then /health is 200 and says so', async () => {
      const res = await request(kbh().url).get('/health');
      expect(res.status).toBe(200);
      expect(res.body.checks).toEqual({ database: 'up', broker: 'up' });
    });

    it('when metrics are scraped, then counters for sent and accepted messages are there', async () => {
      const res = await request(federation.get('165').url).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/kommunebro_messages_accepted_total\{type="street-sleeper.notice",municipality="165"\} [1-9]/);
    });

    it('when security headers are checked, then helmet set them', async () => {
      const res = await request(kbh().url).get('/health');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  // Last: a rotation under way adds the next key to the JWKS that 'public endpoints' reads.
  describe('own key rotation', () => {
    it('when an admin asks for a second rotation while one is under way, then 409 key_state_forbids and the first stays', async () => {
      const admin = () => request(kbh().url).post('/admin/keys/rotate').set('authorization', `Bearer ${kbh().token('admin')}`).send({});
      const first = await admin();
      expect(first.status).toBe(202);
      const second = await admin();
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('key_state_forbids');
      expect(kbh().node.parts.ownKeys.status().next?.kid).toBe(first.body.kid);
    });
  });
});

describe('health when a dependency is down', () => {
  const federation = new TestFederation();
  afterAll(() => federation.stop());

  it('when the broker cannot be reached, then /health is 503 and names the broker', async () => {
    const node = await federation.startNode('165', { waitForBroker: false }, { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    const res = await request(node.url).get('/health');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ database: 'up', broker: 'down' });
  });

  it('when the database becomes unreachable, then /health is 503 and names the database, and 200 again once it is back', async () => {
    const node = await federation.startNode('101');
    await cutDatabase(node.databaseName);
    try {
      const res = await request(node.url).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ database: 'down', broker: 'up' });
    } finally {
      await restoreDatabase(node.databaseName);
    }
    await eventually('healthy again', async () => (await request(node.url).get('/health')).status === 200);
  });
});
