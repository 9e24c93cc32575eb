import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import jose from 'node-jose';
import { generateSigningKey, loadOrCreateSigningKey, sign, type SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { TestFederation, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import amqp from 'amqplib';
import { brokerNames, routingKeyFor } from '../../services/gateway/src/config/broker-names.ts';
import { amqpUrl } from '../helpers/nodes.ts';
import { noticeEnvelope } from '../helpers/messages.ts';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('inbound pipeline: when a message reaches Albertslund (165)', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  let kbhKey: SigningKey;

  beforeAll(async () => {
    // Glostrup's key is trusted but Glostrup runs no node here: its key signs the impostor test.
    await federation.start(['101', '165'], { extraTrusted: ['161'] });
    kbhKey = federation.get('101').key;
  }, 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  const alb = () => federation.get('165').node.parts;

  /** Publishes, waits for the dead letter and its audit line, and returns the refusal code. */
  async function refusedWith(body: string): Promise<string> {
    const transportId = randomUUID();
    await probe.publish('165', body, transportId);
    const dead = await probe.waitForDeadLetter('165', body);
    const audit = await eventually('audit entry', async () =>
      (await alb().audit.list({ code: dead.code })).find((a) => a.detail?.transportMessageId === transportId),
    );
    expect(audit.outcome).toBe('refused');
    return dead.code;
  }

  it('when its signature was tampered with, then it is refused as signature_invalid and dead-lettered', async () => {
    const envelope = noticeEnvelope('101', '165');
    const [header, , signature] = (await sign(kbhKey, envelope)).split('.');
    const forged = `${header}.${b64({ ...envelope, payload: { ...envelope.payload, wishes: ['housing'] } })}.${signature}`;
    expect(await refusedWith(forged)).toBe('signature_invalid');
    expect(await alb().messages.find(envelope.id)).toBeNull();
  });

  it('when it is signed with a key nobody imported, then it is refused as key_unknown', async () => {
    const stranger = await generateSigningKey('101');
    const jws = await sign({ kid: stranger.kid, key: stranger, publicJwk: stranger.toJSON() as never }, noticeEnvelope('101', '165'));
    expect(await refusedWith(jws)).toBe('key_unknown');
  });

  it("when it claims København but is signed with Glostrup's active key, then it is refused as key_wrong_municipality", async () => {
    const glostrupKey = await loadOrCreateSigningKey(federation.keyDir('161'), '161');
    const jws = await sign(glostrupKey, noticeEnvelope('101', '165'));
    expect(await refusedWith(jws)).toBe('key_wrong_municipality');
  });

  it('when its key was imported but is not yet active, then it is refused as key_not_active', async () => {
    const pendingKey = await generateSigningKey('101');
    await alb().trust.importJwks('101', { keys: [pendingKey.toJSON()] }, 'pending', 'test');
    const jws = await sign({ kid: pendingKey.kid, key: pendingKey, publicJwk: pendingKey.toJSON() as never }, noticeEnvelope('101', '165'));
    expect(await refusedWith(jws)).toBe('key_not_active');
  });

  it('when it is addressed to another municipality, then it is refused as wrong_recipient', async () => {
    const envelope = noticeEnvelope('101', '161');
    expect(await refusedWith(await federation.sealFor('165', await sign(kbhKey, envelope)))).toBe('wrong_recipient');
  });

  it('when it has expired, then it is refused as message_expired', async () => {
    const envelope = noticeEnvelope('101', '165', { createdAt: new Date(Date.now() - 3600_000).toISOString(), expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(await refusedWith(await federation.sealFor('165', await sign(kbhKey, envelope)))).toBe('message_expired');
  });

  it('when it is not a JWS at all, then it is refused as jws_malformed', async () => {
    expect(await refusedWith('this is not a jws')).toBe('jws_malformed');
    expect(await refusedWith(`${b64('not json')}.${b64({})}.c2ln`)).toBe('jws_malformed');
  });

  it('when it uses alg none, then it is refused as alg_not_allowed', async () => {
    const envelope = noticeEnvelope('101', '165');
    const unsigned = `${b64({ alg: 'none', kid: kbhKey.kid })}.${b64(envelope)}.`;
    expect(await refusedWith(unsigned)).toBe('alg_not_allowed');
  });

  it("when it is HS256 with København's public key as the HMAC secret, then it is refused as alg_not_allowed", async () => {
    const envelope = noticeEnvelope('101', '165');
    const secret = await jose.JWK.asKey({ kty: 'oct', k: b64(JSON.stringify(kbhKey.publicJwk)), kid: kbhKey.kid, alg: 'HS256' });
    const jws = (await jose.JWS.createSign({ format: 'compact', alg: 'HS256' }, secret).update(JSON.stringify(envelope)).final()) as unknown as string;
    expect(await refusedWith(jws)).toBe('alg_not_allowed');
  });

  it('when it is larger than 256 KiB, then it is refused as message_too_large before parsing', async () => {
    const big = 'x'.repeat(256 * 1024 + 1);
    expect(await refusedWith(big)).toBe('message_too_large');
  });

  it('when the same signed message is published twice, then it is stored and receipted once and nothing is dead-lettered', async () => {
    const envelope = noticeEnvelope('101', '165');
    const jws = await federation.sealFor('165', await sign(kbhKey, envelope));
    const deadBefore = (await probe.deadLetters('165')).length;
    await probe.publish('165', jws);
    await probe.publish('165', jws);
    await eventually('both copies handled', async () => (await alb().audit.forMessage(envelope.id)).length === 2);
    const audit = await alb().audit.forMessage(envelope.id);
    expect(audit.map((a) => a.code ?? a.outcome).sort()).toEqual(['accepted', 'duplicate']);
    expect(await alb().messages.countInbound(envelope.id)).toBe(1);
    expect((await probe.deadLetters('165')).length).toBe(deadBefore);
  });

  it('when an authentic sender sends an invalid payload, then it is refused as schema_invalid and the sender sees it rejected with that code', async () => {
    // Bypass København's own validation, as a buggy or older partner node would.
    const envelope = noticeEnvelope('101', '165', { payload: { citizen: { cpr: '3213991234' } } });
    const rejected = await sendUnchecked(federation.get('101'), envelope);
    expect(rejected.reason?.code).toBe('schema_invalid');
    expect(rejected.reason?.detail).toContain('/payload/citizen/cpr');
    expect(rejected.reason?.detail).not.toContain('3213991234');
    const dead = (await probe.deadLetters('165')).find((d) => d.code === 'schema_invalid');
    expect(dead).toBeDefined();
  });

  it("when a refusal has no detail of its own, then the dead letter's detail is the refusal's title, not a retry message", async () => {
    const envelope = noticeEnvelope('101', '165');
    const [header, payload, signature] = (await sign(kbhKey, envelope)).split('.');
    const flipped = `${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const body = `${header}.${payload}.${flipped}`;
    await probe.publish('165', body);
    const dead = await probe.waitForDeadLetter('165', body);
    expect(dead.code).toBe('signature_invalid');
    expect(dead.detail).toBe('The signature does not verify');
  });

  it('when a message of København reaches Albertslund although addressed to Glostrup, then the error signal comes from Albertslund and København sees its message rejected as wrong_recipient', async () => {
    // Glostrup runs no node here: a queue of its own name lets København's relay send the message.
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createChannel();
    const glostrup = brokerNames(federation.exchange, '161').inbox;
    await channel.assertQueue(glostrup, { durable: true });
    await channel.bindQueue(glostrup, federation.exchange, routingKeyFor('161'));
    try {
      const kbh = federation.get('101').node.parts;
      const envelope = noticeEnvelope('101', '161');
      await kbh.messages.storeOutbound(envelope);
      kbh.nudgeRelay();
      await eventually('sent to Glostrup', async () => (await kbh.messages.find(envelope.id))?.status === 'sent');
      // The same message, misrouted to Albertslund.
      await probe.publish('165', await federation.sealFor('165', await sign(kbhKey, envelope)));
      const rejected = await eventually('rejection at København', async () => {
        const m = await kbh.messages.find(envelope.id);
        return m?.status === 'rejected' ? m : undefined;
      });
      expect(rejected.reason?.code).toBe('wrong_recipient');
      expect((await kbh.audit.list({ code: 'key_wrong_municipality' })).length).toBe(0);
    } finally {
      await connection.close();
    }
  });
});
