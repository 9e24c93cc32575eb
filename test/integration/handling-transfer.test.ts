import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { admissionRequest } from '../helpers/messages.ts';

// A citizen in a København shelter moves from Albertslund to Herning during the stay (RSL § 9).
let now = new Date('2026-11-21T09:00:00Z');
const clock = () => now;
const transfer = (position: 'agreed' | 'disputed') => ({
  kind: 'transfer', newHandling: '657', effectiveFrom: '2027-01-01', reason: 'citizen-moved', newHandlingPosition: position,
  ...(position === 'disputed' ? { dispute: { raisedOn: '2026-12-18', position: 'Herning mener ikke, borgeren har taget ophold i kommunen' } } : {}),
});

describe('change of handling municipality between real nodes', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165', '657'], { now: clock }), 90_000);
  afterAll(() => federation.stop());

  const conversationAt = async (code: string, id: string) => (await asUser(federation.get(code), 'caseworker').get(`/conversations/${id}`)).body;
  const roles = (view: Record<string, any>) => Object.fromEntries(Object.entries(view.roles as Record<string, { code: string }>).map(([r, m]) => [r, m.code]));
  const shelter = () => asUser(federation.get('101'), 'shelter');
  const accept = { decision: 'accept', caseworker: { name: 'Karen Lund', phone: '43686868' } };
  let c = '';

  it('when Herning disputes the move, then nothing moves and the dispute is on record at both ends', async () => {
    const notice = await shelter().send(admissionRequest('101', '165', 'kbh-herberg', {}, '2026-11-20'));
    c = notice.conversationId;
    await asUser(federation.get('165'), 'caseworker').send({ type: 'handling.decision', to: '101', conversationId: c, inReplyTo: notice.id, payload: accept });
    now = new Date('2026-12-18T09:00:00Z');
    await asUser(federation.get('165'), 'caseworker').send({ type: 'handling.transfer', to: '101', conversationId: c, payload: transfer('disputed') });
    for (const code of ['101', '165']) {
      const view = await conversationAt(code, c);
      expect(view.state).toBe('transfer-disputed');
      expect(roles(view)).toEqual({ shelter: '101', handling: '165' });
      expect(view.timeline.at(-1)).toMatchObject({ type: 'handling.transfer' });
    }
  });

  it('when they agree, then from 2027-01-01 Herning handles and pays; Albertslund can send no more; the shelter tells Herning', async () => {
    now = new Date('2026-12-22T09:00:00Z');
    await asUser(federation.get('165'), 'caseworker').send({ type: 'handling.transfer', to: '101', conversationId: c, payload: transfer('agreed') });
    for (const code of ['101', '165']) {
      const view = await conversationAt(code, c);
      expect(view.state).toBe('transferred');
      expect(roles(view)).toEqual({ shelter: '101', handling: '657' });
    }
    const again = await asUser(federation.get('165'), 'caseworker').post('/messages', { type: 'handling.transfer', to: '101', conversationId: c, payload: transfer('agreed') });
    expect([again.status, again.body.code]).toEqual([403, 'contract_forbids']);
    const request = admissionRequest('101', '657', 'kbh-herberg', { conversationId: c }, '2026-11-20');
    (request.payload as Record<string, unknown>).handlingFrom = '2027-01-01';
    const toHerning = await shelter().send(request);
    now = new Date('2026-12-23T09:00:00Z');
    await asUser(federation.get('657'), 'caseworker').send({ type: 'handling.decision', to: '101', conversationId: c, inReplyTo: toHerning.id, payload: accept });
    expect((await conversationAt('657', c)).state).toBe('accepted');
  });

  it('when København bills both for December–February, then Albertslund gets the days to 31 December and Herning those from 1 January, each accepted', async () => {
    now = new Date('2027-02-10T09:00:00Z');
    await shelter().send({ type: 'shelter.discharge-notice', to: '657', conversationId: c, payload: { dischargeDate: '2027-02-10', destination: 'other-shelter' } });
    now = new Date('2027-03-01T09:00:00Z');
    const finance = asUser(federation.get('101'), 'finance');
    const toAlbertslund = await finance.post('/invoices', { paying: '165', periodFrom: '2026-12-01', periodTo: '2027-02-28' });
    const toHerning = await finance.post('/invoices', { paying: '657', periodFrom: '2026-12-01', periodTo: '2027-02-28' });
    expect(toAlbertslund.status).toBe(201);
    expect(toHerning.status).toBe(201);
    expect(toAlbertslund.body.lines.map((l: any) => [l.firstDay, l.lastDay, l.days])).toEqual([['2026-12-01', '2026-12-31', 31]]);
    expect(toHerning.body.lines.map((l: any) => [l.firstDay, l.lastDay, l.days])).toEqual([['2027-01-01', '2027-02-10', 41]]);
    for (const [code, id] of [['165', toAlbertslund.body.id], ['657', toHerning.body.id]] as const) {
      const received = await eventually(`invoice at ${code}`, async () => {
        const res = await asUser(federation.get(code), 'finance').get(`/invoices/${id}`);
        return res.status === 200 ? res.body : undefined;
      });
      expect(received.lines.map((l: any) => l.outcome)).toEqual(['accepted']);
    }
  });
});
