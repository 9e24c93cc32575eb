import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, eventually, TestFederation } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';

const minute = 60_000;

describe('non-delivery reports: a sent message without a receipt in time', () => {
  const federation = new TestFederation();
  // Both nodes read this clock, so the test can let an hour pass.
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    await federation.start(['101', '165'], { now, retry: { attempts: 2, firstDelayMs: 10, maxDelayMs: 20 } });
  }, 60_000);
  afterAll(() => federation.stop());

  it('when the recipient is down past the window, then the message is undelivered with why, counted and audited; the late receipt makes it delivered', async () => {
    const kbh = federation.get('101');
    const consentId = await federation.consent('101');
    await federation.stopNode('165');
    const sent = await asUser(kbh, 'outreach').post('/messages', noticeRequest('165', { consentId }));
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;
    await eventually('the broker took it', async () => (await kbh.node.parts.messages.find(id))?.status === 'sent');

    // Inside the window nothing is reported.
    offsetMs = 59 * minute;
    expect(await kbh.node.deliveryWatch.check()).toEqual([]);

    offsetMs = 61 * minute;
    const reports = await kbh.node.deliveryWatch.check();
    expect(reports.map((r) => r.messageId)).toEqual([id]);
    const undelivered = (await asUser(kbh, 'outreach').get(`/messages/${id}`)).body;
    expect(undelivered.status).toBe('undelivered');
    expect(undelivered.reason.code).toBe('no_receipt');
    expect(undelivered.reason.detail).toMatch(/the broker took it at .*the recipient's node has not answered/);
    expect(undelivered.reason.detail).not.toMatch(/\d{6}-?\d{4}/);
    const listed = (await asUser(kbh, 'outreach').get('/messages?direction=out&status=undelivered')).body.messages;
    expect(listed.map((m: { id: string }) => m.id)).toEqual([id]);
    const metrics = await (await fetch(`${kbh.url}/metrics`)).text();
    expect(metrics).toMatch(/kommunebro_messages_undelivered\{municipality="101"\} 1/);
    expect(metrics).toMatch(/kommunebro_messages_undelivered_total\{type="street-sleeper.notice",municipality="101"\} 1/);
    const audit = await kbh.node.parts.audit.list({ action: 'message.undelivered' });
    expect(audit.map((a) => a.messageId)).toEqual([id]);

    // Reported once only.
    expect(await kbh.node.deliveryWatch.check()).toEqual([]);

    await federation.restartNode('165');
    await eventually('the late receipt', async () => (await kbh.node.parts.messages.find(id))?.status === 'delivered', 20_000);
    const delivered = await kbh.node.parts.messages.find(id);
    expect(delivered?.reason).toBeNull();
    expect(await kbh.node.parts.messages.countUndelivered()).toBe(0);
  });

  it('when the type sets its own window, then it is used, and no window lies past the message expiry', () => {
    const watch = federation.get('101').node.deliveryWatch;
    expect(watch.windowMs('shelter.admission-notice')).toBe(30 * minute);
    expect(watch.windowMs('street-sleeper.notice')).toBe(60 * minute);
  });

  it('when the recipient gives up after retries on a message whose signature verified, then the sender gets an error signal, and a replay still delivers it', async () => {
    offsetMs = 0;
    const kbh = federation.get('101');
    const alb = federation.get('165');
    const consentId = await federation.consent('101');
    const repository = alb.node.parts.messages;
    const storeInbound = repository.storeInbound.bind(repository);
    repository.storeInbound = async () => {
      throw new Error('a transient failure that is not a database outage');
    };
    let id: string;
    try {
      const sent = await asUser(kbh, 'outreach').post('/messages', noticeRequest('165', { consentId }));
      id = sent.body.id as string;
      const rejected = await eventually('the error signal', async () => {
        const m = await kbh.node.parts.messages.find(id);
        return m?.status === 'rejected' ? m : undefined;
      }, 20_000);
      expect(rejected.reason?.code).toBe('retries_exhausted');
      expect(rejected.reason?.detail).toMatch(/dead-letter queue/);
      expect(rejected.reason?.detail).not.toMatch(/transient failure/);
    } finally {
      repository.storeInbound = storeInbound;
    }

    const letters = await eventually('the dead letter', async () => {
      const res = await asUser(alb, 'admin').get('/admin/dead-letters');
      return (res.body.deadLetters as { id: string; code: string }[]).find((l) => l.id === id);
    });
    expect(letters.code).toBe('retries_exhausted');
    expect((await asUser(alb, 'admin').post(`/admin/dead-letters/${id}/replay`, {})).status).toBe(202);
    await eventually('delivery after the replay', async () => (await kbh.node.parts.messages.find(id))?.status === 'delivered', 20_000);
  });
});
