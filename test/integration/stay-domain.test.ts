import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { admissionRequest, consentRequest } from '../helpers/messages.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';

// Handleplan, ready to move, next step after discharge and age flags, through both pipelines.
let now = new Date('2026-11-23T09:00:00Z');
const clock = () => now;

const jens = { cpr: '0101801234', name: 'Jens Jensen' };
const plan = {
  citizen: jens, version: 1, madeOn: '2026-12-10',
  goals: [{ area: 'housing', goal: 'Egen bolig med CTI-støtte' }],
  actions: [{ what: 'Ansøgning om almen bolig', who: 'Albertslund boliganvisning', by: '2027-01-15' }],
  nextReviewOn: '2027-03-10', caseworker: { name: 'Karen Lund', phone: '43686868' },
};
const discharge = (nextStep?: unknown) => ({ dischargeDate: '2027-05-20', destination: 'own-home-with-lease', ...(nextStep ? { nextStep } : {}) });

describe('§ 110 stay rules between real nodes', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['161', '165', '101', '657'], { now: clock }), 90_000);
  afterAll(() => federation.stop());

  const conversationAt = async (code: string, id: string) => (await asUser(federation.get(code), 'caseworker').get(`/conversations/${id}`)).body;
  const deadline = (conversation: Record<string, any>, id: string) => conversation.deadlines.find((d: { deadline: string }) => d.deadline === id);
  const shelter = () => asUser(federation.get('161'), 'shelter');
  const caseworker = () => asUser(federation.get('165'), 'caseworker');
  let c = '';
  let admissionId = '';

  it('when Solvang admits and Albertslund accepts, then a 30-day handleplan clock runs on both sides, marked as an agreement setting', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const notice = await shelter().send(admissionRequest('161', '165', 'solvang', {}, '2026-11-23'));
    c = notice.conversationId;
    admissionId = notice.id;
    now = new Date('2026-11-25T09:00:00Z'); // one clock for all nodes: a later time keeps the timeline's order
    await caseworker().send({ type: 'handling.decision', to: '161', conversationId: c, inReplyTo: admissionId, payload: { decision: 'accept', caseworker: { name: 'Karen Lund', phone: '43686868' } } });
    for (const code of ['161', '165']) {
      const d = deadline(await conversationAt(code, c), 'handleplan');
      expect(d).toMatchObject({ dueOn: '2026-12-23', state: 'pending' });
      expect(d.reference).toContain('sets no deadline');
      expect(d.reference).toContain("agreement setting, this project's own choice and not law: 30 days");
    }
  });

  it('when the handleplan is sent without consent, or under a consent without the stay, from another source or for another stay, then 422 with the exact code', async () => {
    now = new Date('2026-12-10T09:00:00Z');
    const send = (consentId?: string) => caseworker().post('/messages', { type: 'handleplan.shared', to: '161', conversationId: c, ...(consentId ? { consentId } : {}), payload: plan });
    expect((await send()).body.code).toBe('consent_missing');
    const record = (over: Record<string, unknown>) => caseworker().post('/consents', consentRequest({ purpose: 'shelter-stay', recipients: ['161'], categories: ['identity', 'action-plan'], source: 'own-case-records', ...over }));
    const noCase = await record({});
    expect([noCase.status, noCase.body.code]).toEqual([422, 'consent_scope']);
    const wrongSource = await record({ conversationId: c, source: 'outreach-observation' });
    expect([wrongSource.status, wrongSource.body.code]).toEqual([422, 'consent_scope']);
    const otherStay = await record({ conversationId: randomUUID() });
    expect(otherStay.status).toBe(201);
    const refused = await send(otherStay.body.id);
    expect([refused.status, refused.body.code]).toEqual([422, 'consent_scope']);
  });

  it('when it is sent under a consent for this stay, then Solvang receives it and the handleplan deadline is met at both ends; Solvang answers with an update', async () => {
    const consent = await caseworker().post('/consents', consentRequest({ purpose: 'shelter-stay', recipients: ['161'], categories: ['identity', 'action-plan'], source: 'own-case-records', conversationId: c }));
    expect(consent.status).toBe(201);
    const sent = await caseworker().send({ type: 'handleplan.shared', to: '161', conversationId: c, consentId: consent.body.id, payload: plan });
    now = new Date('2027-01-20T09:00:00Z');
    await shelter().send({ type: 'handleplan.update', to: '165', conversationId: c, inReplyTo: sent.id, payload: { planVersion: 1, reportedOn: '2027-01-20', progress: [{ goal: 'Egen bolig med CTI-støtte', status: 'in-progress' }] } });
    for (const code of ['161', '165']) {
      const view = await conversationAt(code, c);
      expect(deadline(view, 'handleplan')).toMatchObject({ state: 'met', metOn: '2026-12-10' });
      expect(view.timeline.map((m: { type: string }) => m.type)).toEqual(['shelter.admission-notice', 'handling.decision', 'handleplan.shared', 'handleplan.update']);
    }
  });

  it('when Solvang reports the citizen ready to move, then a 120-day clock runs from that day and alerts once when it passes', async () => {
    await shelter().send({ type: 'shelter.ready-to-move', to: '165', conversationId: c, payload: { readySince: '2027-01-10', basis: 'Udredningen', housingNeed: 'own-home-with-support', recommendedSupport: 'CTI' } });
    for (const code of ['161', '165']) {
      expect(deadline(await conversationAt(code, c), 'ready-to-move-120-days')).toMatchObject({ kind: 'alert', startOn: '2027-01-10', dueOn: '2027-05-10', state: 'pending' });
    }
    now = new Date('2027-05-11T07:00:00Z');
    const alerted = await federation.get('165').node.deadlineWatch.check();
    // No stay plan or assessment in this story: those are overdue too; the ready-to-move alert is raised once.
    expect(alerted.filter((d) => d.conversationId === c).map((d) => d.deadline).sort()).toEqual(['assessment', 'ready-to-move-120-days', 'stay-120-days', 'stay-plan']);
    expect((await federation.get('165').node.deadlineWatch.check()).filter((d) => d.conversationId === c)).toEqual([]);
  });

  it('when the discharge to an own home names no next step, then 400 schema_invalid; CTI beyond 9 months, then 403 contract_forbids', async () => {
    now = new Date('2027-05-20T09:00:00Z');
    const none = await shelter().post('/messages', { type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: discharge() });
    expect([none.status, none.body.code]).toEqual([400, 'schema_invalid']);
    const tooLong = await shelter().post('/messages', { type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: discharge({ step: 'cti', from: '2027-05-20', until: '2028-03-01', responsible: 'Albertslund CTI-team' }) });
    expect([tooLong.status, tooLong.body.code]).toEqual([403, 'contract_forbids']);
    expect(tooLong.body.detail).toContain('at most 9 months');
  });

  it('when Glostrup sends CTI beyond 9 months past its own checks, then Albertslund refuses it: contract_forbids', async () => {
    const envelope = newEnvelope({ type: 'shelter.discharge-notice', from: '161', to: '165', conversationId: c, payload: discharge({ step: 'cti', from: '2027-05-20', until: '2028-03-01', responsible: 'X' }) }, now);
    const rejected = await sendUnchecked(federation.get('161'), envelope);
    expect(rejected.reason?.code).toBe('contract_forbids');
  });

  it('when the discharge names CTI for 9 months, then both sides see the next step and the stay is closed', async () => {
    const next = { step: 'cti', from: '2027-05-20', until: '2028-02-20', responsible: 'Albertslund CTI-team' };
    const sent = await shelter().send({ type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: discharge(next) });
    const received = await federation.get('165').node.parts.messages.find(sent.id);
    expect((received?.payload as Record<string, unknown>).nextStep).toEqual(next);
    expect((await conversationAt('165', c)).state).toBe('discharged');
  });

  it('when Albertslund asks for its figures, then GET /reports counts the Solvang stay as over 120 days and its admission notice as on time', async () => {
    const res = await caseworker().get('/reports');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      municipality: '165',
      stays: { total: 1, over120Days: 1, completed: 1, averageDaysCompleted: 179 }, // 2026-11-23 .. 2027-05-20
      admissionNoticesPerShelterMunicipality: [{ shelterMunicipality: '161', total: 1, late: 0, pending: 0 }],
      streetSleeperNotices: { total: 0, answeredInTime: 0, answeredLate: 0, unansweredOverdue: 0, pending: 0 },
    });
    const anonymous = await fetch(`${federation.get('165').url}/reports`);
    expect(anonymous.status).toBe(401);
  });

  it('when a København shelter admits a 22-year-old Herning citizen, then both sides get the age-flag alert from Herning’s plan, and Herning’s watch raises it', async () => {
    now = new Date('2026-11-24T09:00:00Z');
    const request = admissionRequest('101', '657', 'kbh-herberg', {}, '2026-11-23');
    (request.payload as { citizen: unknown }).citizen = { cpr: '2311044234', name: 'Ung Borger' };
    const notice = await asUser(federation.get('101'), 'shelter').send(request);
    for (const code of ['101', '657']) {
      expect(deadline(await conversationAt(code, notice.conversationId), 'age-flag-657')).toMatchObject({
        kind: 'alert', title: "Citizen aged 22 at admission: Herning's plan: no 18–25-year-olds in shelters", reference: 'Herning Kommune, masterplan 2017 (no one aged 18–25 in a shelter)', dueOn: '2026-11-23',
      });
    }
    const alerted = await eventually('age flag alert', async () => (await federation.get('657').node.deadlineWatch.check()).filter((d) => d.conversationId === notice.conversationId));
    expect(alerted.map((d) => d.deadline)).toEqual(['age-flag-657']);
  });

  it('when Jens (46) is admitted for Herning, then there is no age flag', async () => {
    const notice = await asUser(federation.get('101'), 'shelter').send(admissionRequest('101', '657', 'kbh-herberg', {}, '2026-11-23'));
    expect(deadline(await conversationAt('657', notice.conversationId), 'age-flag-657')).toBeUndefined();
  });
});
