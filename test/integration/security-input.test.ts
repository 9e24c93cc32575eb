import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync, randomUUID, sign as cryptoSign } from 'node:crypto';
import request from 'supertest';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { consentRequest, noticeEnvelope, noticeRequest } from '../helpers/messages.ts';

/** JSON text of an array nested `depth` deep ([[[…]]]): JSON.stringify itself overflows on it. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const DEEP = '__DEEP__';
/** A JSON body with the deep array in place of the field set to DEEP. */
const withDeep = (body: object) => JSON.stringify(body).replace(`"${DEEP}"`, nested(10_000));

/** Signs raw JSON text as ES256 with the node's key, as a hostile partner could (sign() stringifies, and fails on it). */
function signRaw(key: { kid: string; key: { toJSON: (priv: boolean) => object } }, json: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'kommunebro+jws' })).toString('base64url');
  const payload = Buffer.from(json).toString('base64url');
  const privateKey = createPrivateKey({ key: key.key.toJSON(true) as import('node:crypto').JsonWebKey, format: 'jwk' });
  const signature = cryptoSign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

const freshJwk = (kid: string): { kid: string; kty: string; crv: string; x: string; y: string } => {
  const { kty, crv, x, y } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kid, kty: kty!, crv: crv!, x: x!, y: y! };
};

describe('hostile input: every case a 4xx problem with a stable code, never a 500', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  let consentId: string;
  beforeAll(async () => {
    await federation.start(['101', '165']);
    consentId = await federation.consent('101');
  }, 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  const kbh = () => federation.get('101');
  const as = (role: 'outreach' | 'admin') => ({ authorization: `Bearer ${kbh().token(role)}` });
  const expectProblem = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe(code);
  };

  describe('limits on depth and size, before anything reads the body', () => {
    it('when type is an array nested 10,000 deep, then 400 body_too_complex before the send use case (and its audit) sees it', async () => {
      const res = await request(kbh().url).post('/messages').set(as('outreach')).set('content-type', 'application/json').send(withDeep({ ...noticeRequest(), type: DEEP }));
      expectProblem(res, 400, 'body_too_complex');
      const audit = await kbh().node.parts.audit.list({ code: 'body_too_complex' });
      expect(audit.length).toBe(0); // refused before any use case: nothing about it reaches the audit log
    });

    it('when a key import has expiresAt nested 10,000 deep, then 400 body_too_complex', async () => {
      const res = await request(kbh().url).post('/admin/keys').set(as('admin')).set('content-type', 'application/json').send(withDeep({ municipality: '161', jwk: freshJwk('161-deep'), expiresAt: DEEP }));
      expectProblem(res, 400, 'body_too_complex');
    });

    it('when expiresAt of a key import is not a string, then 400 schema_invalid', async () => {
      const res = await request(kbh().url).post('/admin/keys').set(as('admin')).send({ municipality: '161', jwk: freshJwk('161-arr'), expiresAt: [[1]] });
      expectProblem(res, 400, 'schema_invalid');
    });

    it('when a body has more values than the limit, then 400 body_too_complex', async () => {
      const res = await request(kbh().url).post('/consents').set(as('outreach')).send({ ...consentRequest(), categories: new Array(30_000).fill(0) });
      expectProblem(res, 400, 'body_too_complex');
    });
  });

  describe('transport and URL', () => {
    it('when Content-Encoding says gzip but the body is not gzip, then a 4xx problem', async () => {
      const res = await request(kbh().url).post('/messages').set(as('outreach')).set('content-type', 'application/json').set('content-encoding', 'gzip').send(Buffer.from(JSON.stringify(noticeRequest())));
      expectProblem(res, 400, 'body_malformed');
    });

    it('when the path holds a malformed percent escape, then 400 request_invalid', async () => {
      const res = await request(kbh().url).get('/messages/%E0%A4%A').set(as('outreach'));
      expectProblem(res, 400, 'request_invalid');
    });

    it('when an id in the path or a query value holds a NUL byte, then 400 request_invalid or query_invalid, not a database error', async () => {
      expectProblem(await request(kbh().url).get('/consents/a%00b').set(as('outreach')), 400, 'request_invalid');
      expectProblem(await request(kbh().url).post('/admin/keys/a%00/approve').set(as('admin')).send({}), 400, 'request_invalid');
      expectProblem(await request(kbh().url).get('/conversations?state=a%00').set(as('outreach')), 400, 'query_invalid');
    });

    it('when the URL is longer than the header limit, then 431 with a problem body', async () => {
      const res = await fetch(`${kbh().url}/messages?x=${'a'.repeat(20_000)}`, { headers: as('outreach') });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('headers_too_large');
    });
  });

  describe('text PostgreSQL jsonb cannot store', () => {
    it('when a payload text holds a NUL byte, then 400 schema_invalid pointing at it, and the refusal is audited', async () => {
      const body = noticeRequest('165', { consentId });
      (body.payload.observed as Record<string, string>).place = 'Hovedbanegården\u0000';
      const res = await request(kbh().url).post('/messages').set(as('outreach')).send(body);
      expectProblem(res, 400, 'schema_invalid');
      expect(res.body.errors).toEqual([{ pointer: '/payload/observed/place', message: 'must not contain NUL characters or unpaired surrogates' }]);
    });

    it('when a consent holds a lone surrogate, then 400 schema_invalid and nothing is stored', async () => {
      const before = await kbh().node.parts.consents.ofCitizen('0101801234');
      const raw = JSON.stringify(consentRequest({ source: 'SOURCE' })).replace('SOURCE', '\\ud800');
      const res = await request(kbh().url).post('/consents').set(as('outreach')).set('content-type', 'application/json').send(raw);
      expectProblem(res, 400, 'schema_invalid');
      expect(res.body.errors[0].pointer).toBe('/source');
      expect((await kbh().node.parts.consents.ofCitizen('0101801234')).length).toBe(before.length);
    });

    it('when a key of the body holds a NUL byte, then 400 schema_invalid', async () => {
      const raw = JSON.stringify({ ...noticeRequest('165', { consentId }), payload: { KEY: 1 } }).replace('KEY', 'a\\u0000b');
      const res = await request(kbh().url).post('/messages').set(as('outreach')).set('content-type', 'application/json').send(raw);
      expectProblem(res, 400, 'schema_invalid');
      // Refused before the schema looks: the pointer is printable, the NUL is not echoed.
      expect(res.body.errors).toEqual([{ pointer: '/payload/a?b', message: 'must not contain NUL characters or unpaired surrogates' }]);
    });

    it('when a partner sends a signed payload with a NUL byte or a lone surrogate, then it is dead-lettered as schema_invalid, not retried', async () => {
      for (const bad of ['a\u0000b', 'a\ud800b']) {
        const envelope = noticeEnvelope('101', '165', { consentId });
        (envelope.payload.observed as Record<string, string>).place = bad;
        const jws = await federation.sealFor('165', await sign(kbh().key, envelope));
        await probe.publish('165', jws, randomUUID());
        const transportId = randomUUID();
        await probe.publish('165', jws, transportId);
        const dead = await probe.waitForDeadLetter('165', jws);
        expect(dead.code).toBe('schema_invalid');
        const audit = await eventually('refusal audit', async () => (await federation.get('165').node.parts.audit.list({ code: 'schema_invalid' })).find((a) => a.detail?.transportMessageId === transportId));
        expect(audit.outcome).toBe('refused');
        expect(await federation.get('165').node.parts.messages.find(envelope.id)).toBeNull();
      }
    });

    it('when a partner sends an envelope nested 10,000 deep, then it is dead-lettered as body_too_complex', async () => {
      const envelope = noticeEnvelope('101', '165', { consentId, payload: { ...noticeEnvelope('101', '165').payload, deep: DEEP } });
      const jws = signRaw(kbh().key as never, withDeep(envelope));
      await probe.publish('165', jws, randomUUID());
      expect((await probe.waitForDeadLetter('165', jws)).code).toBe('body_too_complex');
    });
  });

  describe('partner keys (POST /admin/keys)', () => {
    const importKey = (body: unknown) => request(kbh().url).post('/admin/keys').set(as('admin')).send(body as object);

    it('when jwks.keys is [null], then 400 key_invalid', async () => {
      expectProblem(await importKey({ municipality: '161', jwks: { keys: [null] } }), 400, 'key_invalid');
    });

    it('when a JWK has no x and y, then 400 key_invalid', async () => {
      const { x: _x, y: _y, ...jwk } = freshJwk('161-noxy');
      expectProblem(await importKey({ municipality: '161', jwk }), 400, 'key_invalid');
    });

    it('when x is 5 and y is an object, then 400 key_invalid', async () => {
      expectProblem(await importKey({ municipality: '161', jwk: { ...freshJwk('161-junk'), x: 5, y: {} } }), 400, 'key_invalid');
    });

    it('when the point is not on P-256, then 400 key_invalid and nothing is imported', async () => {
      const jwk = freshJwk('161-offcurve');
      const y = Buffer.from(jwk.y!, 'base64url');
      y.writeUInt8(y.readUInt8(31) ^ 1, 31);
      expectProblem(await importKey({ municipality: '161', jwk: { ...jwk, y: y.toString('base64url') } }), 400, 'key_invalid');
      expect((await kbh().node.parts.trust.list({ municipality: '161' })).map((k) => k.kid)).not.toContain('161-offcurve');
    });

    it('when x is 31 bytes, then 400 key_invalid', async () => {
      const jwk = freshJwk('161-short');
      expectProblem(await importKey({ municipality: '161', jwk: { ...jwk, x: Buffer.from(jwk.x!, 'base64url').subarray(1).toString('base64url') } }), 400, 'key_invalid');
    });

    it('when the key is a real P-256 point, then it is imported pending', async () => {
      const res = await importKey({ municipality: '161', jwk: freshJwk('161-good') });
      expect(res.status).toBe(201);
      expect(res.body.imported[0]).toMatchObject({ kid: '161-good', status: 'pending' });
    });
  });
});
