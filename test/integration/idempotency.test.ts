import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { IdempotencyRepository } from '../../services/gateway/src/data/idempotency.ts';

describe('when a client sends POST /messages with an Idempotency-Key', () => {
  const federation = new TestFederation();
  let consentId: string;
  beforeAll(async () => {
    await federation.start(['101', '165']);
    consentId = await federation.consent('101');
  }, 60_000);
  afterAll(() => federation.stop());

  const post = (body: unknown, key?: string) => {
    const kbh = federation.get('101');
    const req = request(kbh.url).post('/messages').set('authorization', `Bearer ${kbh.token('outreach')}`);
    return (key ? req.set('idempotency-key', key) : req).send(body as object);
  };
  const outbound = async () => (await federation.get('101').node.parts.messages.list({ direction: 'out', limit: 500 })).length;

  it('then the same key again returns the first answer and sends nothing new', async () => {
    const before = await outbound();
    const body = noticeRequest('165', { consentId });
    const first = await post(body, 'retry-key-0001');
    const again = await post(body, 'retry-key-0001');
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await outbound()).toBe(before + 1);
    await eventually('delivery', async () => (await federation.get('101').node.parts.messages.find(first.body.id))?.status === 'delivered');
    expect(await federation.get('165').node.parts.messages.countInbound(first.body.id)).toBe(1);
  });

  it('then the key used for another body is refused with idempotency_key_reused', async () => {
    await post(noticeRequest('165', { consentId }), 'retry-key-0002');
    const other = await post({ ...noticeRequest('165', { consentId }), conversationId: undefined, payload: { ...noticeRequest().payload, wishes: ['stay'] } }, 'retry-key-0002');
    expect([other.status, other.body.code]).toEqual([422, 'idempotency_key_reused']);
  });

  it('then a malformed key is refused with idempotency_key_invalid', async () => {
    const res = await post(noticeRequest('165', { consentId }), 'short');
    expect([res.status, res.body.code]).toEqual([400, 'idempotency_key_invalid']);
  });

  it('then a refused request does not hold the key: the corrected request under it is sent', async () => {
    const refused = await post(noticeRequest('165', { consentId: undefined }), 'retry-key-0003');
    expect([refused.status, refused.body.code]).toEqual([422, 'consent_missing']);
    const fixed = await post(noticeRequest('165', { consentId }), 'retry-key-0003');
    expect(fixed.status).toBe(202);
  });

  it('then after 24 hours the key is free again', async () => {
    const store = new IdempotencyRepository(federation.get('101').node.db.prisma);
    const now = new Date();
    expect(await store.reserve('token:test', 'retry-key-0004', 'h1', now)).toBe(true);
    expect(await store.reserve('token:test', 'retry-key-0004', 'h1', new Date(now.getTime() + 3600_000))).toBe(false);
    expect(await store.reserve('token:test', 'retry-key-0004', 'h2', new Date(now.getTime() + 24 * 3600_000 + 1000))).toBe(true);
  });
});
