import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { admissionRequest, noticeRequest } from '../helpers/messages.ts';

describe('when København sends a street-sleeper notice to Albertslund', () => {
  const federation = new TestFederation();
  // Herning's keys are trusted (a message to it can be encrypted), but Herning runs no node.
  beforeAll(() => federation.start(['101', '165'], { extraTrusted: ['657'] }), 60_000);
  afterAll(() => federation.stop());

  it('then Albertslund stores it once and København sees it delivered with a signed receipt', async () => {
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const sent = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`).send(noticeRequest('165', { consentId: await federation.consent('101') }));
    expect(sent.status).toBe(202);
    expect(sent.body.status).toBe('queued');

    const delivered = await eventually('delivered status', async () => {
      const res = await request(kbh.url).get(`/messages/${sent.body.id}`).set('authorization', `Bearer ${kbh.token('caseworker')}`);
      return res.body.status === 'delivered' ? res.body : undefined;
    });
    expect(delivered.sentAt).not.toBeNull();
    expect(delivered.deliveredAt).not.toBeNull();

    const inbound = await request(alb.url).get(`/messages?direction=in&type=street-sleeper.notice`).set('authorization', `Bearer ${alb.token('caseworker')}`);
    expect(inbound.body.messages).toHaveLength(1);
    expect(inbound.body.messages[0]).toMatchObject({ id: sent.body.id, from: '101', to: '165', status: 'accepted' });
    expect(await alb.node.parts.messages.countInbound(sent.body.id)).toBe(1);
  });

  it('when the recipient has no queue on the broker, then the message is marked failed as recipient_unreachable, not dropped', async () => {
    const kbh = federation.get('101');
    // København's shelter has an agreement with Herning, but Herning runs no node here.
    const sent = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('shelter')}`).send(admissionRequest('101', '657', 'kbh-herberg'));
    expect(sent.status).toBe(202);
    const failed = await eventually('failed status', async () => {
      const m = await kbh.node.parts.messages.find(sent.body.id);
      return m?.status === 'failed' ? m : undefined;
    });
    expect(failed.reason?.code).toBe('recipient_unreachable');
    expect(failed.failedAt).not.toBeNull();
  });

  it("when Albertslund's caseworker answers the notice, then København receives the response in the same conversation", async () => {
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const notice = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`).send(noticeRequest('165', { consentId: await federation.consent('101') }));
    await eventually('notice stored at Albertslund', async () => (await alb.node.parts.messages.countInbound(notice.body.id)) === 1);
    const response = await request(alb.url)
      .post('/messages')
      .set('authorization', `Bearer ${alb.token('caseworker')}`)
      .send({
        type: 'street-sleeper.response',
        to: '101',
        conversationId: notice.body.conversationId,
        inReplyTo: notice.body.id,
        payload: { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'shelter-place', date: '2026-11-30' } },
      });
    expect(response.status).toBe(202);
    await eventually('response delivered', async () => (await alb.node.parts.messages.find(response.body.id))?.status === 'delivered');
    const atKbh = await kbh.node.parts.messages.list({ direction: 'in', conversationId: notice.body.conversationId, limit: 10 });
    expect(atKbh).toHaveLength(1);
    expect(atKbh[0]).toMatchObject({ type: 'street-sleeper.response', inReplyTo: notice.body.id, from: '165' });
  });
});

describe('when messages with a CPR number pass through both nodes, refused or accepted', () => {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165'], { log }), 60_000);
  afterAll(() => federation.stop());

  it('then no log line holds the CPR number', async () => {
    const kbh = federation.get('101');
    const cpr = '0101801234';
    const ok = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`).send(noticeRequest('165', { consentId: await federation.consent('101') }));
    const bad = noticeRequest('165', { consentId: await federation.consent('101') });
    (bad.payload as { citizen: object }).citizen = { cpr: '3213801234' };
    const refused = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`).send(bad);
    expect(refused.body.code).toBe('schema_invalid');
    await eventually('delivered', async () => (await kbh.node.parts.messages.find(ok.body.id))?.status === 'delivered');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('\n')).toContain(ok.body.id);
    for (const line of lines) {
      expect(line).not.toContain(cpr);
      expect(line).not.toContain('3213801234');
    }
  });
});
