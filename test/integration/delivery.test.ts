import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';

describe('when København sends a street-sleeper notice to Albertslund', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165']), 60_000);
  afterAll(() => federation.stop());

  it('then Albertslund stores it once and København sees it delivered with a signed receipt', async () => {
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const sent = await request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`).send(noticeRequest('165'));
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
    expect(await alb.node.deps.messages.countInbound(sent.body.id)).toBe(1);
  });
});
