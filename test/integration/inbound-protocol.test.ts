import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import type { Envelope } from '../../services/gateway/src/domain/envelope.ts';
import { TestFederation, asUser, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { adminQuery } from '../helpers/postgres.ts';

// The protocol rules of docs/PROTOCOL.md that an authentic partner can break: envelope, times,
// ids. København (101) and Glostrup (161) send as a buggy partner node would; Albertslund (165) judges.
describe('protocol rules: when an authentic partner sends Albertslund (165) a message that breaks one', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));

  beforeAll(() => federation.start(['101', '165', '161']), 90_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  const kbh = () => federation.get('101');
  const alb = () => federation.get('165');
  const notice = (overrides: Record<string, unknown> = {}) => noticeEnvelope('101', '165', overrides) as Envelope;

  /** The error signals Albertslund queued about a message id (its outbox keeps them after sending). */
  async function errorSignalsAbout(messageId: string): Promise<Envelope[]> {
    const { rows } = await adminQuery(`SELECT envelope FROM "OutboxEntry" WHERE kind = 'error' AND envelope->'payload'->>'messageId' = '${messageId.replace(/'/g, "''")}'`, alb().databaseName);
    return rows.map((r) => r.envelope as Envelope);
  }

  const accepted = (id: string) => eventually(`${id} accepted`, async () => (await kbh().node.parts.messages.find(id))?.status === 'delivered');

  describe('§ envelope: when the verified claims fail the envelope schema', () => {
    it('when the envelope has a field the protocol does not define, then the sender gets an error signal envelope_invalid', async () => {
      const envelope = { ...notice(), priority: 'high' } as Envelope;
      const rejected = await sendUnchecked(kbh(), envelope);
      expect(rejected.reason?.code).toBe('envelope_invalid');
      expect(rejected.reason?.detail).toContain('/priority');
      expect(await alb().node.parts.messages.find(envelope.id)).toBeNull();
    });

    it('when the conversationId is not a UUID, then the error signal still names the message and carries its id as conversationId', async () => {
      const envelope = notice({ conversationId: 'case-17' });
      const rejected = await sendUnchecked(kbh(), envelope);
      expect(rejected.reason?.code).toBe('envelope_invalid');
      const [signal] = await errorSignalsAbout(envelope.id);
      expect(signal).toMatchObject({ type: 'error', from: '165', to: '101', conversationId: envelope.id, inReplyTo: envelope.id, payload: { messageId: envelope.id, code: 'envelope_invalid' } });
    });

    it('when the id is not a UUID, then it is dead-lettered as envelope_invalid and no error signal goes back', async () => {
      const id = `not-a-uuid-${randomUUID()}`;
      const body = await sign(kbh().key, notice({ id }));
      await probe.publish('165', body);
      const dead = await probe.waitForDeadLetter('165', body);
      expect(dead.code).toBe('envelope_invalid');
      const audit = await eventually('refusal audited', async () => (await alb().node.parts.audit.list({ code: 'envelope_invalid' })).find((a) => String(a.detail?.detail).includes('/id')));
      expect(audit.actor).toBe('node:101');
      expect(await errorSignalsAbout(id)).toEqual([]);
    });

    it('when the invalid envelope is itself a receipt, then it is only dead-lettered: no signal answers a signal', async () => {
      const receipt = { ...notice({ type: 'receipt', payload: { messageId: randomUUID(), receivedAt: new Date().toISOString() } }), consentId: undefined, extra: true };
      const body = await sign(kbh().key, receipt);
      await probe.publish('165', body);
      expect((await probe.waitForDeadLetter('165', body)).code).toBe('envelope_invalid');
      expect(await errorSignalsAbout(receipt.id)).toEqual([]);
    });

    it('when the verified claims are nested too deep, then the sender gets body_too_complex', async () => {
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++) deep = { deep };
      const envelope = notice({ payload: deep });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('body_too_complex');
    });

    it('when a date-time has no time-zone offset, then the sender gets envelope_invalid', async () => {
      const envelope = notice({ createdAt: new Date().toISOString().replace('Z', '') });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('envelope_invalid');
    });
  });

  describe('§ time: createdAt and expiresAt', () => {
    const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

    it('when expiresAt lies ten years after createdAt, then the sender gets expiry_invalid', async () => {
      const envelope = notice({ createdAt: at(0), expiresAt: at(10 * 365 * 86_400_000) });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('expiry_invalid');
    });

    it('when expiresAt lies before createdAt, then the sender gets expiry_invalid', async () => {
      const envelope = notice({ createdAt: at(0), expiresAt: at(-60_000) });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('expiry_invalid');
    });

    it('when expiresAt lies exactly 30 days after createdAt, then it is accepted', async () => {
      const created = new Date();
      const envelope = notice({ createdAt: created.toISOString(), expiresAt: new Date(created.getTime() + 30 * 86_400_000).toISOString() });
      await kbh().node.parts.messages.storeOutbound(envelope);
      kbh().node.parts.nudgeRelay();
      await accepted(envelope.id);
    });

    it('when createdAt lies 10 minutes ahead of the recipient clock, then the sender gets created_in_future', async () => {
      const envelope = notice({ createdAt: at(10 * 60_000), expiresAt: at(3600_000) });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('created_in_future');
    });

    it('when createdAt lies 2 minutes ahead (within the 5-minute skew), then it is accepted', async () => {
      const envelope = notice({ createdAt: at(2 * 60_000), expiresAt: at(3600_000) });
      await kbh().node.parts.messages.storeOutbound(envelope);
      kbh().node.parts.nudgeRelay();
      await accepted(envelope.id);
    });

    it('when it expired a second ago, then the sender gets message_expired', async () => {
      const envelope = notice({ createdAt: at(-3600_000), expiresAt: at(-1000) });
      expect((await sendUnchecked(kbh(), envelope)).reason?.code).toBe('message_expired');
    });
  });

  describe('§ replies: a reply stays in its conversation', () => {
    const response = (notice: { id: string }, conversationId: string) =>
      ({ ...noticeEnvelope('165', '101'), type: 'street-sleeper.response', conversationId, inReplyTo: notice.id, consentId: undefined, payload: { contact: { name: 'Karen Lund', phone: '43 68 68 68' }, offer: { kind: 'shelter-place', date: '2026-11-30' } } }) as Envelope;

    it('when Albertslund answers a notice under a new conversationId, then København refuses it as state_forbids; under the original one it is accepted', async () => {
      // Through København's API, so both ends hold the conversation.
      const consentId = await federation.consent('101');
      const sent = await asUser(kbh(), 'outreach').send(noticeRequest('165', { consentId }));
      expect((await sendUnchecked(alb(), response(sent, randomUUID()))).reason?.code).toBe('state_forbids');
      const answer = response(sent, sent.conversationId);
      await alb().node.parts.messages.storeOutbound(answer);
      alb().node.parts.nudgeRelay();
      await eventually('answer delivered', async () => (await alb().node.parts.messages.find(answer.id))?.status === 'delivered');
    });
  });

  describe('§ ids: one id names one message', () => {
    it('when the id is one of Albertslund\'s own outbound ids, then the sender gets id_collision at once, not after retries', async () => {
      const ours = noticeEnvelope('165', '161') as Envelope;
      await alb().node.parts.messages.storeOutbound(ours);
      const started = Date.now();
      const rejected = await sendUnchecked(kbh(), notice({ id: ours.id }));
      expect(rejected.reason?.code).toBe('id_collision');
      expect(Date.now() - started).toBeLessThan(30_000);
      expect((await alb().node.parts.messages.find(ours.id))?.direction).toBe('out');
      const dead = (await probe.deadLetters('165')).find((d) => d.code === 'id_collision');
      expect(dead).toBeDefined();
    });

    it('when Glostrup reuses the id of a message Albertslund received from København, then Glostrup gets id_collision', async () => {
      const first = notice();
      await kbh().node.parts.messages.storeOutbound(first);
      kbh().node.parts.nudgeRelay();
      await accepted(first.id);
      const copy = { ...noticeEnvelope('161', '165'), id: first.id } as Envelope;
      const rejected = await sendUnchecked(federation.get('161'), copy);
      expect(rejected.reason?.code).toBe('id_collision');
      expect((await alb().node.parts.messages.find(first.id))?.from).toBe('101');
    });

    it('when København sends the same signed message again, then it is not processed again and no second receipt goes back', async () => {
      const envelope = notice();
      const jws = await federation.sealFor('165', await sign(kbh().key, envelope));
      await probe.publish('165', jws);
      await probe.publish('165', jws);
      await eventually('both copies handled', async () => (await alb().node.parts.audit.forMessage(envelope.id)).length === 2);
      const { rows } = await adminQuery(`SELECT count(*)::int AS n FROM "OutboxEntry" WHERE kind = 'receipt' AND envelope->'payload'->>'messageId' = '${envelope.id}'`, alb().databaseName);
      expect(rows[0].n).toBe(1);
    });
  });
});
