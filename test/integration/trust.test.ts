import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import jose from 'node-jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, sign, type SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { generateEncryptionKey } from '../../services/gateway/src/crypto/jwe.ts';
import { brokerNames, routingKeyFor } from '../../services/gateway/src/amqp/broker.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { run as cli } from '../../services/gateway/src/cli/main.ts';
import { TestFederation, amqpUrl, asUser, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { admissionRequest, noticeRequest } from '../helpers/messages.ts';
import { adminQuery } from '../helpers/postgres.ts';

let now = new Date();
const clock = () => now;
const asSigningKey = (key: Awaited<ReturnType<typeof generateSigningKey>>): SigningKey => ({ kid: key.kid, key, publicJwk: key.toJSON() as never });

describe('partner keys, tokens and broker users', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('161'));
  beforeAll(() => federation.start(['101', '165', '161'], { now: clock, env: { KB_AUTH_FAILURE_LIMIT: '1000' } }), 90_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  const admin = (code: string) => asUser(federation.get(code), 'admin');
  /** An admission notice from Glostrup, signed with `key`, published as Glostrup's broker user. */
  async function fromGlostrup(key: SigningKey) {
    const envelope = newEnvelope({ ...admissionRequest('161', '165', 'solvang'), from: '161' } as never, new Date());
    const jws = await federation.sealFor('165', await sign(key, envelope));
    await probe.publish('165', jws);
    return { envelope, jws };
  }
  const outcomeAt165 = async (messageId: string, jws: string) =>
    eventually('outcome', async () => {
      if ((await federation.get('165').node.parts.messages.countInbound(messageId)) === 1) return 'accepted';
      return (await probe.deadLetters('165')).find((d) => d.body === jws)?.code;
    });

  describe('partner key lifecycle', () => {
    let key: SigningKey;
    let firstMessage: string;

    it('when an admin imports a partner key, then it is pending with a read-aloud fingerprint, and it verifies nothing', async () => {
      key = asSigningKey(await generateSigningKey('161'));
      const res = await admin('165').post('/admin/keys', { municipality: '161', jwk: key.publicJwk });
      expect(res.status).toBe(201);
      expect(res.body.imported[0]).toMatchObject({ kid: key.kid, status: 'pending', municipality: '161' });
      expect(res.body.imported[0].fingerprint).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
      const { envelope, jws } = await fromGlostrup(key);
      expect(await outcomeAt165(envelope.id, jws)).toBe('key_not_active');
    });

    it('when approved, then it verifies', async () => {
      const res = await admin('165').post(`/admin/keys/${key.kid}/approve`, {});
      expect(res.body.status).toBe('active');
      const { envelope, jws } = await fromGlostrup(key);
      expect(await outcomeAt165(envelope.id, jws)).toBe('accepted');
      firstMessage = envelope.id;
    });

    it('when revoked with a reason, then new messages are refused and what came before stays, flagged', async () => {
      const res = await admin('165').post(`/admin/keys/${key.kid}/revoke`, { reason: 'Laptop stolen' });
      expect(res.body).toMatchObject({ status: 'revoked', reason: 'Laptop stolen' });
      const { envelope, jws } = await fromGlostrup(key);
      expect(await outcomeAt165(envelope.id, jws)).toBe('key_not_active');
      const earlier = await asUser(federation.get('165'), 'caseworker').get(`/messages/${firstMessage}`);
      expect(earlier.body).toMatchObject({ status: 'accepted', signingKid: key.kid, keyRevoked: true });
      expect((await admin('165').post(`/admin/keys/${key.kid}/approve`, {})).body.code).toBe('key_state_forbids');
      expect((await admin('165').post(`/admin/keys/${key.kid}/revoke`, {})).body.code).toBe('schema_invalid');
    });

    it('when every change is looked up in the audit log, then import, approve and revoke are there', async () => {
      const audit = await federation.get('165').node.parts.audit.list({ action: undefined });
      const actions = audit.filter((a) => a.detail?.kid === key.kid).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['key.import', 'key.approve', 'key.revoke']));
    });

    it('when a private key or a key naming another municipality is imported, then key_invalid', async () => {
      const other = await generateSigningKey('161');
      expect((await admin('165').post('/admin/keys', { municipality: '161', jwk: other.toJSON(true) })).body.code).toBe('key_invalid');
      expect((await admin('165').post('/admin/keys', { municipality: '657', jwk: other.toJSON() })).body.code).toBe('key_invalid');
      expect((await asUser(federation.get('165'), 'caseworker').post('/admin/keys', { municipality: '161', jwk: other.toJSON() })).status).toBe(403);
    });

    it('when an encryption key is imported, then its kid must say -enc-, a signing kid must not, and it never verifies a signature', async () => {
      const enc = await generateEncryptionKey('161');
      const asSigning = { ...(enc.toJSON() as object), use: 'sig', alg: 'ES256' };
      expect((await admin('165').post('/admin/keys', { municipality: '161', jwk: asSigning })).body.code).toBe('key_invalid');
      const mislabelled = { ...(enc.toJSON() as object), kid: '161-notenc' };
      expect((await admin('165').post('/admin/keys', { municipality: '161', jwk: mislabelled })).body.code).toBe('key_invalid');
      const imported = await admin('165').post('/admin/keys', { municipality: '161', jwk: enc.toJSON() });
      expect(imported.status).toBe(201);
      expect(imported.body.imported[0]).toMatchObject({ kid: enc.kid, use: 'enc', status: 'pending' });
      expect((await admin('165').post(`/admin/keys/${enc.kid}/approve`, {})).body.status).toBe('active');
      // Signed with the encryption key's private half (ES256 works on any P-256 key): refused all the same.
      const sameKeyAsSigning = await jose.JWK.asKey({ ...(enc.toJSON(true) as object), alg: 'ES256', use: 'sig' });
      const { jws } = await fromGlostrup({ kid: enc.kid, key: sameKeyAsSigning, publicJwk: sameKeyAsSigning.toJSON() as never });
      expect(await outcomeAt165('', jws)).toBe('key_invalid');
    });
  });

  describe('key alerts', () => {
    it('when a key expires within 60 days or waits more than 2 working days, then /health and the metrics say so', async () => {
      const soon = await generateSigningKey('161');
      await admin('101').post('/admin/keys', { municipality: '161', jwk: soon.toJSON(), expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
      await admin('101').post(`/admin/keys/${soon.kid}/approve`, {});
      const waiting = await generateSigningKey('165');
      await admin('101').post('/admin/keys', { municipality: '165', jwk: waiting.toJSON() });
      now = new Date(Date.now() + 6 * 86_400_000);
      try {
        const health = await (await fetch(`${federation.get('101').url}/health`)).json();
        expect(health.alerts.keysExpiringSoon.map((k: { kid: string }) => k.kid)).toEqual([soon.kid]);
        expect(health.alerts.keysPendingTooLong.map((k: { kid: string }) => k.kid)).toEqual([waiting.kid]);
        const metrics = await (await fetch(`${federation.get('101').url}/metrics`)).text();
        expect(metrics).toMatch(/kommunebro_partner_keys_expiring_soon\{[^}]*\} 1/);
        expect(metrics).toMatch(/kommunebro_partner_keys_pending_too_long\{[^}]*\} 1/);
      } finally {
        now = new Date();
      }
    });
  });

  describe('tokens', () => {
    it('when an admin makes a token, then it works for its role, is stored only as a hash, and stops at expiry or revocation', async () => {
      const made = await admin('165').post('/admin/tokens', { role: 'finance', label: 'Finance office', expiresInDays: 1 });
      expect(made.status).toBe(201);
      const token = made.body.token as string;
      const finance = { ...federation.get('165'), token: () => token };
      expect((await asUser(finance, 'finance').get('/messages?limit=1')).status).toBe(200);
      expect((await asUser(finance, 'finance').get('/admin/tokens')).status).toBe(403);
      const rows = await adminQuery(`SELECT hash FROM "ApiToken" WHERE id = '${made.body.id}'`, federation.get('165').databaseName);
      expect(rows.rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows.rows)).not.toContain(token);

      now = new Date(Date.now() + 2 * 86_400_000);
      try {
        const expired = await asUser(finance, 'finance').get('/messages?limit=1');
        expect(expired.status).toBe(401);
      } finally {
        now = new Date();
      }
      await admin('165').post(`/admin/tokens/${made.body.id}/revoke`, {});
      expect((await asUser(finance, 'finance').get('/messages?limit=1')).status).toBe(401);
      const audit = await federation.get('165').node.parts.audit.list({ action: 'token.create' });
      expect(audit.some((a) => a.detail?.tokenId === made.body.id)).toBe(true);
    });
  });

  describe('RabbitMQ users', () => {
    it("when a node's broker user tries to consume another node's queue, then RabbitMQ refuses", async () => {
      const connection = await amqp.connect(federation.brokerUrl('101'));
      try {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        await expect(channel.consume(brokerNames(federation.exchange, '165').inbox, () => undefined)).rejects.toThrow(/ACCESS_REFUSED/);
      } finally {
        await connection.close().catch(() => undefined);
      }
    });

    it("when a node publishes with another node's user_id, then RabbitMQ refuses the publish", async () => {
      const connection = await amqp.connect(federation.brokerUrl('101'));
      try {
        const channel = await connection.createConfirmChannel();
        const closed = new Promise<Error>((resolve) => channel.on('error', resolve));
        channel.publish(federation.exchange, routingKeyFor('165'), Buffer.from('x'), { userId: `${federation.brokerPrefix}161` });
        await expect(channel.waitForConfirms()).rejects.toThrow();
        expect((await closed).message).toMatch(/PRECONDITION_FAILED - user_id property set to/);
      } finally {
        await connection.close().catch(() => undefined);
      }
    });

    it("when a message claims Glostrup but København's broker user published it, then transport_sender_mismatch", async () => {
      const asKbh = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
      try {
        const envelope = newEnvelope({ ...admissionRequest('161', '165', 'solvang'), from: '161' } as never, new Date());
        const jws = await federation.sealFor('165', await sign(federation.get('161').key, envelope));
        await asKbh.publish('165', jws);
        expect((await probe.waitForDeadLetter('165', jws)).code).toBe('transport_sender_mismatch');
      } finally {
        await asKbh.close();
      }
    });
  });

  describe('admin CLI', () => {
    it('when an admin brings in a partner key with the CLI, then import, fingerprint, approve, list and revoke work, and errors are clear', async () => {
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(String(line)));
      const env = { KB_NODE_URL: federation.get('165').url, KB_ADMIN_TOKEN: federation.get('165').token('admin') };
      try {
        const key = await generateSigningKey('161');
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'kb-cli-')), 'glostrup.jwks.json');
        writeFileSync(file, JSON.stringify({ keys: [key.toJSON()] }));
        await cli(['keys', 'fingerprint', file], env);
        const fingerprint = /^\S+\s+((?:[0-9A-F]{4} ){9}[0-9A-F]{4})/.exec(lines.at(-1)!)![1];
        await cli(['keys', 'import', '161', file], env);
        expect(lines.join('\n')).toContain(`${fingerprint}`);
        expect(lines.join('\n')).toMatch(new RegExp(`${key.kid}\\s+161\\s+pending`));
        await cli(['keys', 'approve', key.kid], env);
        await cli(['keys', 'list'], env);
        expect(lines.join('\n')).toMatch(new RegExp(`${key.kid}\\s+161\\s+active`));
        await cli(['keys', 'revoke', key.kid, '--reason', 'test over'], env);
        expect(lines.at(-1)).toMatch(/revoked .*\(test over\)/);
        await cli(['tokens', 'create', 'caseworker', '--label', 'Karen', '--days', '30'], env);
        const token = lines.at(-1)!.split('\n')[0]!;
        expect((await asUser({ ...federation.get('165'), token: () => token }, 'caseworker').get('/conversations')).status).toBe(200);
        await expect(cli(['keys', 'list'], { ...env, KB_ADMIN_TOKEN: 'wrong-token-wrong-token' })).rejects.toThrow(/401 unauthenticated/);
        await expect(cli(['keys', 'approve'], env)).rejects.toThrow(/needs <kid>/);
      } finally {
        spy.mockRestore();
      }
    });
  });
});

describe('authentication failures are rate limited', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['165'], { env: { KB_AUTH_FAILURE_LIMIT: '3' } }), 60_000);
  afterAll(() => federation.stop());

  // Issue 13: the limit stops the guesses, not the colleagues behind the same address.
  it('when a client fails three times, then its next guess gets 429 with Retry-After, while a valid token still works', async () => {
    const node = federation.get('165');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${node.url}/messages`, { headers: { authorization: `Bearer guess-guess-guess-${i}` } });
      expect(res.status).toBe(401);
    }
    const blocked = await fetch(`${node.url}/messages`, { headers: { authorization: 'Bearer guess-guess-guess-x' } });
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { code: string }).code).toBe('too_many_failures');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await asUser(node, 'caseworker').get('/messages')).status).toBe(200);
  });
});

describe('own key rotation under traffic', () => {
  const federation = new TestFederation();
  const env = { KB_KEY_ROTATION_LEAD_MS: '1500', KB_KEY_OVERLAP_MS: '2500', KB_KEY_WATCH_MS: '200' };
  beforeAll(() => federation.start(['101', '165', '657'], { env }), 90_000);
  afterAll(() => federation.stop());

  it('when København rotates while sending, then no message is refused, Albertslund retires the old key after the overlap, and Herning waits for its admin', async () => {
    const kbh = federation.get('101');
    const oldKid = kbh.key.kid;
    const oldEncryptionKid = kbh.node.parts.ownKeys.status().encryption.current;
    const consentId = await federation.consent('101');
    const sent: string[] = [];
    const sending = (async () => {
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const res = await asUser(kbh, 'outreach').post('/messages', noticeRequest('165', { consentId }));
        expect(res.status).toBe(202);
        sent.push(res.body.id);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const rotation = await asUser(kbh, 'admin').post('/admin/keys/rotate', {});
    expect(rotation.status).toBe(202);
    expect(rotation.body).toMatchObject({ replacesKid: oldKid, announcedTo: ['165', '657'] });
    await sending;

    const alb = federation.get('165').node.parts;
    for (const id of sent) {
      const m = await eventually(`outcome of ${id}`, async () => {
        const found = await kbh.node.parts.messages.find(id);
        return found && found.status !== 'queued' && found.status !== 'sent' ? found : undefined;
      });
      expect(m.status).toBe('delivered');
    }
    const signers = new Set((await Promise.all(sent.map((id) => alb.messages.find(id)))).map((m) => m!.signingKid));
    expect(signers).toEqual(new Set([oldKid, rotation.body.kid]));
    await eventually('old key retired at Albertslund', async () => (await alb.trust.list({ municipality: '101' })).find((k) => k.kid === oldKid)?.status === 'retired', 15_000);
    expect((await alb.trust.list({ municipality: '101' })).find((k) => k.kid === rotation.body.kid)?.status).toBe('active');
    // The encryption key rotated with it: the new one is what Albertslund encrypts to, the old one retired.
    const statusOf = async (kid: string) => (await alb.trust.list({ municipality: '101' })).find((k) => k.kid === kid)?.status;
    expect(rotation.body.encryptionKid).toMatch(/^101-enc-/);
    expect(await statusOf(rotation.body.encryptionKid)).toBe('active');
    await eventually('old encryption key retired at Albertslund', async () => (await statusOf(oldEncryptionKid)) === 'retired', 15_000);
    expect(kbh.node.parts.ownKeys.status().encryption.current).toBe(rotation.body.encryptionKid);

    const herning = federation.get('657');
    const atHerning = await eventually('announcement at Herning', async () => (await herning.node.parts.trust.list({ municipality: '101' })).find((k) => k.kid === rotation.body.kid));
    expect(atHerning.status).toBe('pending-rotation');
    const approved = await asUser(herning, 'admin').post(`/admin/keys/${rotation.body.kid}/approve`, {});
    expect(approved.body.status).toBe('active');
  }, 60_000);

  it('when Albertslund rotates while København sends to it, then every message is delivered, encrypted first to the old and then to the new encryption key', async () => {
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const oldEncryptionKid = alb.node.parts.ownKeys.status().encryption.current;
    const connection = await amqp.connect(amqpUrl);
    const spy = await connection.createChannel();
    const { queue } = await spy.assertQueue('', { exclusive: true, autoDelete: true });
    await spy.bindQueue(queue, federation.exchange, routingKeyFor('165'));
    const kids = new Set<string>();
    await spy.consume(queue, (m) => {
      const body = m?.content.toString('utf8') ?? '';
      if (body.split('.').length === 5) kids.add(JSON.parse(Buffer.from(body.split('.')[0]!, 'base64url').toString('utf8')).kid);
    }, { noAck: true });
    try {
      const consentId = await federation.consent('101');
      const sent: string[] = [];
      const sending = (async () => {
        const until = Date.now() + 5000;
        while (Date.now() < until) {
          const res = await asUser(kbh, 'outreach').post('/messages', noticeRequest('165', { consentId }));
          expect(res.status).toBe(202);
          sent.push(res.body.id);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await new Promise((r) => setTimeout(r, 500));
      const rotation = await asUser(alb, 'admin').post('/admin/keys/rotate', {});
      expect(rotation.status).toBe(202);
      await sending;
      for (const id of sent) {
        const m = await eventually(`outcome of ${id}`, async () => {
          const found = await kbh.node.parts.messages.find(id);
          return found && found.status !== 'queued' && found.status !== 'sent' ? found : undefined;
        });
        expect(m.status).toBe('delivered');
      }
      expect(kids).toEqual(new Set([oldEncryptionKid, rotation.body.encryptionKid]));
      await eventually('old encryption key retired at København', async () => (await kbh.node.parts.trust.list({ municipality: '165' })).find((k) => k.kid === oldEncryptionKid)?.status === 'retired', 15_000);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }, 60_000);
});
