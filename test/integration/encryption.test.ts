import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { routingKeyFor } from '../../services/gateway/src/config/broker-names.ts';
import { TestFederation, amqpUrl, asUser, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { admissionRequest, noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { adminQuery } from '../helpers/postgres.ts';

interface Seen {
  routingKey: string;
  body: string;
  properties: string;
}

/** A queue of the test's own, bound to the federation's exchange: what a broker operator could read. */
async function spyOn(exchange: string, codes: string[]) {
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const code of codes) await channel.bindQueue(queue, exchange, routingKeyFor(code));
  const seen: Seen[] = [];
  await channel.consume(queue, (m) => {
    if (m) seen.push({ routingKey: m.fields.routingKey, body: m.content.toString('utf8'), properties: JSON.stringify(m.properties) });
  }, { noAck: true });
  return { seen, close: () => connection.close().catch(() => undefined) };
}

const segments = (body: string) => body.split('.').map((s) => Buffer.from(s, 'base64url'));
const json = (segment: Buffer) => JSON.parse(segment.toString('utf8')) as Record<string, any>;

// Once with node-jose on the main thread (the default), once on two worker threads (KB_JOSE_THREADS).
describe.each([0, 2])('payload encryption between nodes, node-jose on %i worker threads', (threads) => {
  const federation = new TestFederation();
  let spy: Awaited<ReturnType<typeof spyOn>>;
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  beforeAll(async () => {
    await federation.start(['101', '165'], { extraTrusted: ['161'], env: { KB_JOSE_THREADS: String(threads) } });
    spy = await spyOn(federation.exchange, ['101', '165']);
  }, 60_000);
  afterAll(async () => {
    await spy.close();
    await probe.close();
    await federation.stop();
  });

  const alb = () => federation.get('165').node.parts;
  const kbh = () => federation.get('101').node.parts;
  const bodiesFor = (code: string) => spy.seen.filter((s) => s.routingKey === routingKeyFor(code));

  it('when a street-sleeper notice and an admission notice go from København to Albertslund, then a spy on the broker sees no name, CPR or payload field, and the receipts are readable signed JWS', async () => {
    const consentId = await federation.consent('101');
    const notice = await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId }));
    const admission = await asUser(federation.get('101'), 'shelter').send(admissionRequest('101', '165', 'kbh-herberg'));
    await eventually('both receipts on the broker', async () => bodiesFor('101').length >= 2);

    const toAlbertslund = bodiesFor('165');
    expect(toAlbertslund).toHaveLength(2);
    const secrets = ['0101801234', '010180-1234', 'Jens', 'Jensen', 'Mette Holm', 'Lene Berg', 'Hovedbanegården', '+45 33 66 33 66', 'Last known address'];
    const fieldNames = ['cpr', 'citizen', 'observed', 'wishes', 'outreachContact', 'shelterContact', 'handlingBasis', 'admissionDate', 'street-sleeper', 'shelter.admission'];
    for (const seen of spy.seen) {
      for (const secret of secrets) {
        expect(seen.body).not.toContain(secret);
        expect(seen.properties).not.toContain(secret);
      }
      for (const name of [...secrets, ...fieldNames]) {
        expect(seen.properties).not.toContain(name);
        for (const segment of segments(seen.body)) expect(segment.toString('latin1')).not.toContain(name);
      }
    }

    const encryptionKid = federation.get('165').node.parts.ownKeys.status().encryption.current;
    for (const { body } of toAlbertslund) {
      expect(body.split('.')).toHaveLength(5);
      const header = json(segments(body)[0]!);
      expect(Object.keys(header).sort()).toEqual(['alg', 'cty', 'enc', 'epk', 'kid']);
      expect(header).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: encryptionKid, cty: 'kommunebro+jws', epk: { kty: 'EC', crv: 'P-256' } });
    }
    const receipts = bodiesFor('101').map(({ body }) => {
      expect(body.split('.')).toHaveLength(3);
      return json(segments(body)[1]!);
    });
    expect(receipts.map((r) => [r.type, r.payload.messageId]).sort()).toEqual([['receipt', notice.id], ['receipt', admission.id]].sort());
    // The stored evidence is still the signed JWS, not its wrapping.
    expect((await alb().messages.find(notice.id))?.signingKid).toBe(federation.get('101').key.kid);
    // Sign and encrypt (København), decrypt and verify (Albertslund) ran where configured.
    for (const node of [kbh(), alb()]) expect(node.jose.completedOnThreads() > 0).toBe(threads > 0);
  });

  it('when a message is encrypted to another node\'s key, then Albertslund refuses it as decryption_failed, sends no error signal, and does not know the sender', async () => {
    const envelope = noticeEnvelope('101', '165');
    const body = await federation.sealFor('161', await sign(federation.get('101').key, envelope));
    await probe.publish('165', body);
    const dead = await probe.waitForDeadLetter('165', body);
    expect(dead.code).toBe('decryption_failed');
    expect(dead.detail).toBe('not encrypted to a key of this node');
    const audit = await eventually('audit of the refusal', async () => (await alb().audit.list({ code: 'decryption_failed' }))[0]);
    expect(audit.actor).toBe('unauthenticated');
    const signals = await adminQuery(`SELECT count(*)::int AS n FROM "OutboxEntry" WHERE kind = 'error' AND envelope->'payload'->>'messageId' = '${envelope.id}'`, federation.get('165').databaseName);
    expect(signals.rows[0].n).toBe(0);
  });

  it('when the ciphertext was tampered with, then it is refused as decryption_failed', async () => {
    const sealed = await federation.sealFor('165', await sign(federation.get('101').key, noticeEnvelope('101', '165')));
    const parts = sealed.split('.');
    parts[3] = `${parts[3]!.startsWith('A') ? 'B' : 'A'}${parts[3]!.slice(1)}`;
    const body = parts.join('.');
    await probe.publish('165', body);
    const dead = await probe.waitForDeadLetter('165', body);
    expect(dead.code).toBe('decryption_failed');
    expect(dead.detail).toMatch(/^does not decrypt with key 165-enc-/);
  });

  it('when the JWE asks for compression or another algorithm, then it is refused as decryption_failed before any key is tried', async () => {
    const sealed = await federation.sealFor('165', await sign(federation.get('101').key, noticeEnvelope('101', '165')));
    const [header, ...rest] = sealed.split('.');
    for (const change of [{ zip: 'DEF' }, { alg: 'dir' }, { cty: 'JWT' }]) {
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')), ...change })).toString('base64url');
      const body = [forged, ...rest].join('.');
      await probe.publish('165', body);
      expect((await probe.waitForDeadLetter('165', body)).code).toBe('decryption_failed');
    }
  });

  it('when an authentic partner sends a notice as a plain JWS, then it is refused as encryption_required and the error signal goes back readable', async () => {
    const envelope = noticeEnvelope('101', '165');
    const jws = await sign(federation.get('101').key, envelope);
    await probe.publish('165', jws);
    expect((await probe.waitForDeadLetter('165', jws)).code).toBe('encryption_required');
    const signal = await eventually('error signal to København', async () =>
      bodiesFor('101').map(({ body }) => json(segments(body)[1]!)).find((e) => e.type === 'error' && e.payload.messageId === envelope.id),
    );
    expect(signal.payload.code).toBe('encryption_required');
  });

  it('when the recipient has no active encryption key at the sender, then the message fails as recipient_key_missing and nothing is published', async () => {
    const admin = asUser(federation.get('101'), 'admin');
    const encryptionKid = federation.get('165').node.parts.ownKeys.status().encryption.current;
    const revoked = await admin.post(`/admin/keys/${encryptionKid}/revoke`, { reason: 'test: no key to encrypt to' });
    expect(revoked.status).toBe(200);
    const before = bodiesFor('165').length;
    const res = await asUser(federation.get('101'), 'shelter').post('/messages', admissionRequest('101', '165', 'kbh-herberg', { conversationId: randomUUID() }));
    expect(res.status).toBe(202);
    const failed = await eventually('failure', async () => {
      const m = await kbh().messages.find(res.body.id);
      return m?.status === 'failed' ? m : undefined;
    });
    expect(failed.reason?.code).toBe('recipient_key_missing');
    expect(bodiesFor('165').length).toBe(before);
  });
});
