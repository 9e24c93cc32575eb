import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { admissionRequest, noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { planMessage } from '../../services/gateway/src/domain/conversation.ts';
import { ConversationChanged } from '../../services/gateway/src/data/conversations.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';
import { sendMessage } from '../../services/gateway/src/pipeline/outbound.ts';

// One clock for every node, moved by the tests (deadlines are judged on it).
let now = new Date('2026-11-23T09:00:00Z');
const clock = () => now;

const offer = { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'shelter-place', date: '2026-11-30' } };
const stayPlan = { goals: ['Own housing'], expectedLengthDays: 90, plannedMoveOutDate: '2027-02-20', responsibilities: [{ who: 'Contact person', what: 'Weekly talks' }] };
const areas = ['housing', 'physicalHealth', 'mentalHealth', 'substanceUse', 'finances', 'network', 'dailyLiving', 'employmentEducation'];
const assessment = { areas: Object.fromEntries(areas.map((a) => [a, { status: 'Stable', need: 'None' }])), readinessForOwnHousing: 'ready-with-support', recommendedSupport: { method: 'CTI', intensity: 'high' } };
const request = { question: 'act-and-pay', facts: 'Citizen states he lived here until October 2026' };

describe('collaboration models between real nodes', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165', '161', '657'], { now: clock }), 90_000);
  afterAll(() => federation.stop());

  const conversationAt = async (code: string, id: string) => (await asUser(federation.get(code), 'caseworker').get(`/conversations/${id}`)).body;
  const deadline = (conversation: Record<string, any>, id: string) => conversation.deadlines.find((d: { deadline: string }) => d.deadline === id);

  it('when outreach in København notifies Albertslund and Albertslund answers, then both see the conversation answered and the 2-working-day deadline met', async () => {
    now = new Date('2026-11-27T10:00:00Z'); // a Friday
    const outreach = asUser(federation.get('101'), 'outreach');
    const home = asUser(federation.get('165'), 'caseworker');
    const notice = await outreach.send(noticeRequest('165', { consentId: await federation.consent('101') }));
    const atHome = await conversationAt('165', notice.conversationId);
    expect(atHome).toMatchObject({ model: 'street-sleeper-handoff', state: 'notified', ourRoles: ['home'] });
    expect(deadline(atHome, 'street-sleeper-response')).toMatchObject({ dueOn: '2026-12-01', state: 'pending' });

    now = new Date('2026-11-30T08:00:00Z');
    await home.send({ type: 'street-sleeper.response', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id, payload: offer });
    for (const code of ['101', '165']) {
      const c = await conversationAt(code, notice.conversationId);
      expect(c.state).toBe('answered');
      expect(deadline(c, 'street-sleeper-response')).toMatchObject({ state: 'met', metOn: '2026-11-30' });
      expect(c.timeline.map((m: { type: string }) => m.type)).toEqual(['street-sleeper.notice', 'street-sleeper.response']);
    }

    await home.send({ type: 'street-sleeper.closed', to: '101', conversationId: notice.conversationId, payload: { outcome: 'shelter' } });
    const late = await outreach.post('/messages', { type: 'street-sleeper.update', to: '165', conversationId: notice.conversationId, consentId: 'c-1', payload: { note: 'Seen again' } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('state_forbids');
  });

  it('when Solvang admits an Albertslund citizen, then notice, decision request, accept, stay plan, assessment and discharge run their states and meet their deadlines', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const shelter = asUser(federation.get('161'), 'shelter');
    const caseworker = asUser(federation.get('165'), 'caseworker');
    const notice = await shelter.send(admissionRequest('161', '165', 'solvang', {}, '2026-11-23'));
    const c = notice.conversationId;
    const req = await shelter.send({ type: 'handling.decision-request', to: '165', conversationId: c, payload: request });
    expect((await conversationAt('165', c)).state).toBe('decision-requested');
    await caseworker.send({ type: 'handling.decision', to: '161', conversationId: c, inReplyTo: req.id, payload: { decision: 'accept', caseworker: { name: 'Karen Lund', phone: '43686868' } } });
    expect((await conversationAt('161', c)).state).toBe('accepted');
    now = new Date('2026-11-28T09:00:00Z');
    await shelter.send({ type: 'shelter.stay-plan', to: '165', conversationId: c, payload: stayPlan });
    now = new Date('2026-12-20T09:00:00Z');
    await shelter.send({ type: 'shelter.assessment', to: '165', conversationId: c, payload: assessment });
    now = new Date('2027-02-15T09:00:00Z');
    await shelter.send({ type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: { dischargeDate: '2027-02-15', destination: 'own-home-with-lease', supportArranged: { method: 'CTI', from: '2027-02-15' }, nextStep: { step: 'cti', from: '2027-02-15', until: '2027-11-15', responsible: 'Albertslund CTI-team' } } });
    for (const code of ['161', '165']) {
      const view = await conversationAt(code, c);
      expect(view.state).toBe('discharged');
      expect(view.closed).toBe(true);
      expect(view.roles).toEqual({ shelter: { code: '161', name: 'Glostrup' }, handling: { code: '165', name: 'Albertslund' } });
      expect(Object.fromEntries(view.deadlines.map((d: { deadline: string; state: string; dueOn: string }) => [d.deadline, [d.dueOn, d.state]]))).toEqual({
        'admission-notice': ['2026-11-26', 'met'],
        'stay-plan': ['2026-11-30', 'met'],
        assessment: ['2027-01-04', 'met'],
        'stay-120-days': ['2027-03-23', 'met'],
        handleplan: ['2026-12-23', 'cancelled'], // no handleplan in this story: the discharge cancels the clock
      });
    }
  });

  it('when Albertslund declines and then forwards to Herning, then the handling role moves, Albertslund is out, and Herning accepts', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const shelter = asUser(federation.get('101'), 'shelter');
    const albertslund = asUser(federation.get('165'), 'caseworker');
    const herning = asUser(federation.get('657'), 'caseworker');
    const notice = await shelter.send(admissionRequest('101', '165', 'kbh-herberg', {}, '2026-11-24'));
    const c = notice.conversationId;
    const first = await shelter.send({ type: 'handling.decision-request', to: '165', conversationId: c, payload: request });
    await albertslund.send({ type: 'handling.decision', to: '101', conversationId: c, inReplyTo: first.id, payload: { decision: 'decline', reason: 'Moved out in 2023', legalReference: 'Retssikkerhedsloven § 9' } });
    expect((await conversationAt('101', c)).state).toBe('declined');
    const second = await shelter.send({ type: 'handling.decision-request', to: '165', conversationId: c, payload: { ...request, facts: 'Citizen now says he lived in Herning' } });
    await albertslund.send({ type: 'handling.decision', to: '101', conversationId: c, inReplyTo: second.id, payload: { decision: 'forward', forwardTo: '657', reason: 'Registered in Herning since 2023' } });
    for (const code of ['101', '165']) {
      const view = await conversationAt(code, c);
      expect(view.state).toBe('forwarded');
      expect(view.roles.handling.code).toBe('657');
    }
    const again = await albertslund.post('/messages', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: second.id, payload: { decision: 'accept', caseworker: { name: 'K', phone: '43686868' } } });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('contract_forbids');

    const toHerning = await shelter.send({ ...admissionRequest('101', '657', 'kbh-herberg', {}, '2026-11-24'), conversationId: c });
    await herning.send({ type: 'handling.decision', to: '101', conversationId: c, inReplyTo: toHerning.id, payload: { decision: 'accept', caseworker: { name: 'Ole Dam', phone: '96282828' } } });
    const atShelter = await conversationAt('101', c);
    expect(atShelter.state).toBe('accepted');
    expect(atShelter.timeline.filter((m: { to: string }) => m.to === '657').length).toBe(1);
    // Herning's agreement with København gives the stay plan 5 working days instead of 7 days.
    expect(deadline(await conversationAt('657', c), 'stay-plan').dueOn).toBe('2026-12-01');
  });

  it('when an admission notice is sent on the fourth working day after the decision, then it is overdue on both sides', async () => {
    now = new Date('2026-11-27T09:00:00Z'); // decision Monday 23, due Thursday 26, sent Friday 27
    const notice = await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-11-23'));
    for (const code of ['161', '165']) {
      expect(deadline(await conversationAt(code, notice.conversationId), 'admission-notice')).toMatchObject({ dueOn: '2026-11-26', metOn: '2026-11-27', state: 'overdue' });
    }
  });

  it('when a stay plan is not sent in time, then it is listed overdue, alerted once and counted in the metrics', async () => {
    now = new Date('2026-11-23T09:00:00Z');
    const notice = await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-11-23'));
    now = new Date('2026-12-01T09:00:00Z'); // stay plan was due 30 November
    const alb = federation.get('165');
    const overdue = await asUser(alb, 'caseworker').get('/deadlines?state=overdue');
    expect(overdue.body.deadlines).toContainEqual(expect.objectContaining({ conversationId: notice.conversationId, deadline: 'stay-plan', state: 'overdue' }));
    const alerted = await alb.node.deadlineWatch.check();
    expect(alerted.filter((d) => d.conversationId === notice.conversationId).map((d) => d.deadline)).toEqual(['stay-plan']);
    expect((await alb.node.deadlineWatch.check()).filter((d) => d.conversationId === notice.conversationId)).toEqual([]);
    const metrics = await (await fetch(`${alb.url}/metrics`)).text();
    expect(Number(/kommunebro_deadlines_overdue\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('when Glostrup invoices Albertslund and Albertslund reconciles, then the 30-day answer deadline is met on both sides', async () => {
    now = new Date('2026-12-01T09:00:00Z');
    const invoice = {
      invoiceNumber: '161-2026-11',
      periodFrom: '2026-11-01',
      periodTo: '2026-11-30',
      totalOere: 1014000,
      lines: [{ lineId: '1', citizen: { cpr: '0101801234', name: 'Jens Jensen' }, shelterId: 'solvang', stayConversationId: '0d4b6a51-7c0e-4a43-8f0c-3e2f7f9b8a20', admissionDate: '2026-11-23', firstDay: '2026-11-23', lastDay: '2026-11-30', days: 8, dailyRateOere: 145000, ownPaymentOere: 146000, amountOere: 1014000 }],
    };
    const sent = await asUser(federation.get('161'), 'finance').send({ type: 'stay-invoice', to: '165', payload: invoice });
    // 30 days end on 31 December, not a working day: the deadline moves to Monday 4 January and says why.
    const answer = deadline(await conversationAt('165', sent.conversationId), 'invoice-answer');
    expect(answer).toMatchObject({ dueOn: '2027-01-04', state: 'pending' });
    expect(answer.reference).toContain("Agreement setting, this project's own choice and not law: 30 days");
    expect(answer.reference).toContain('2026-12-31 is not a working day, so the deadline ends on 2027-01-04');
    now = new Date('2026-12-15T09:00:00Z');
    await asUser(federation.get('165'), 'finance').send({
      type: 'invoice.reconciliation', to: '161', conversationId: sent.conversationId, inReplyTo: sent.id,
      payload: { invoiceNumber: '161-2026-11', lines: [{ lineId: '1', outcome: 'accepted' }], acceptedOere: 1014000, disputedOere: 0 },
    });
    for (const code of ['161', '165']) {
      const view = await conversationAt(code, sent.conversationId);
      expect(view.state).toBe('reconciled');
      expect(deadline(view, 'invoice-answer')).toMatchObject({ state: 'met', metOn: '2026-12-15' });
    }
  });

  it('when a node announces a key rotation, then partners it shares any agreement with accept it, and others are refused no_agreement', async () => {
    now = new Date('2026-12-01T09:00:00Z');
    const own = federation.get('165').node.parts.ownKeys;
    const rotation = {
      newKey: { ...federation.get('165').key.publicJwk },
      newEncryptionKey: own.encryptionKey().publicJwk,
      validFrom: '2026-12-02T00:00:00Z',
      replacesKid: federation.get('165').key.kid,
      replacesEncryptionKid: own.encryptionKey().kid,
    };
    delete (rotation.newKey as Record<string, unknown>).d;
    // A key announcement is a system send (POST /messages refuses it as system_only; test/integration/security.test.ts).
    const admin = { subject: 'test:admin', role: 'admin' as const };
    const announced = await sendMessage(federation.get('165').node.parts, admin, { type: 'trust.key-rotation', to: '161', payload: rotation }, { system: true });
    await eventually('delivery of the announcement', async () => (await federation.get('165').node.parts.messages.find(announced.id))?.status === 'delivered');
    const refused = await sendMessage(federation.get('161').node.parts, admin, { type: 'trust.key-rotation', to: '101', payload: { ...rotation, replacesKid: 'x' } }, { system: true }).catch((e: Refusal) => e);
    expect((refused as Refusal).status).toBe(403);
    expect((refused as Refusal).code).toBe('no_agreement');
  });

  it('when two messages are planned on the same conversation state, then only the first is stored and the API answers state_forbids', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const notice = await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-11-24'));
    const deps = federation.get('161').node.parts;
    const existing = await deps.conversations.find(notice.conversationId);
    const plan = (payload: object) => {
      const e = newEnvelope({ type: 'handling.decision-request', from: '161', to: '165', conversationId: notice.conversationId, payload: payload as Record<string, unknown> }, now);
      return { e, plan: planMessage(deps.contracts, e, existing, new Set(['admission-notice'])) };
    };
    const first = plan(request);
    const second = plan({ ...request, facts: 'Sent twice by mistake' });
    await deps.messages.storeOutbound(first.e, undefined, first.plan);
    await expect(deps.messages.storeOutbound(second.e, undefined, second.plan)).rejects.toBeInstanceOf(ConversationChanged);
    expect(await deps.messages.find(second.e.id)).toBeNull();
    // A reply must name a message its sender received (issue 13): wait until the request reached 165.
    deps.nudgeRelay();
    await eventually('the decision request at 165', () => federation.get('165').node.parts.messages.find(first.e.id));

    const [a, b] = await Promise.all([1, 2].map(() => asUser(federation.get('165'), 'caseworker').post('/messages', {
      type: 'handling.decision', to: '161', conversationId: notice.conversationId, inReplyTo: first.e.id,
      payload: { decision: 'accept', caseworker: { name: 'Karen Lund', phone: '43686868' } },
    })));
    expect([a!.status, b!.status].sort()).toEqual([202, 409]);
    expect([a!.body.code, b!.body.code]).toContain('state_forbids');
  });

  it('when the agreement has expired, then sending is refused as no_agreement', async () => {
    now = new Date('2029-01-02T09:00:00Z');
    const res = await asUser(federation.get('161'), 'shelter').post('/messages', admissionRequest('161', '165', 'solvang', {}, '2029-01-02'));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('no_agreement');
    const audit = await federation.get('161').node.parts.audit.list({ action: 'message.send', code: 'no_agreement' });
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit.at(-1)).toMatchObject({ outcome: 'refused', detail: { type: 'shelter.admission-notice', to: '165' } });
  });

  it('when a shelter names a shelter another municipality runs, then contract_forbids', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const res = await asUser(federation.get('161'), 'shelter').post('/messages', admissionRequest('161', '165', 'tornehoejgaard'));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('contract_forbids');
  });

  describe('when a partner node skips its own checks, then the receiver enforces the contracts too', () => {
    /** Stores an envelope at Glostrup without its pipeline, as a faulty node would, and returns the code Albertslund answered with. */
    async function refusedAtAlbertslund(fields: Parameters<typeof newEnvelope>[0]): Promise<string | undefined> {
      now = new Date('2026-11-24T09:00:00Z');
      const envelope = newEnvelope(fields, now);
      const rejected = await sendUnchecked(federation.get('161'), envelope);
      // The error signal may overtake the refusal's audit entry, which the receiver writes after dead-lettering.
      const audit = await eventually('the refusal audited', async () => {
        const entries = await federation.get('165').node.parts.audit.forMessage(envelope.id);
        return entries.some((a) => a.code === rejected.reason?.code) ? entries : undefined;
      });
      expect(audit.map((a) => a.code)).toContain(rejected.reason?.code);
      return rejected.reason?.code;
    }

    it('no agreement for the model → no_agreement', async () => {
      const { payload } = noticeEnvelope('161', '165');
      expect(await refusedAtAlbertslund({ type: 'street-sleeper.notice', from: '161', to: '165', consentId: 'c-1', payload })).toBe('no_agreement');
    });

    it('a stay plan with no admission before it → state_forbids', async () => {
      expect(await refusedAtAlbertslund({ type: 'shelter.stay-plan', from: '161', to: '165', payload: stayPlan })).toBe('state_forbids');
    });

    it('an admission to a shelter Glostrup does not run → contract_forbids', async () => {
      const { payload } = admissionRequest('161', '165', 'tornehoejgaard');
      expect(await refusedAtAlbertslund({ type: 'shelter.admission-notice', from: '161', to: '165', payload })).toBe('contract_forbids');
    });
  });
});
