// `npm run demo`: plays the seed stories between real gateway nodes (in this process, on the real
// RabbitMQ, each with its own embedded database) over realistic dates: one clock, moved by the
// story, judges every deadline. Prints what each party sees, in Danish, in Copenhagen time.
import { randomUUID } from 'node:crypto';
import type { Role } from '../../gateway/src/config/index.ts';
import { DemoFederation } from './demo-nodes.ts';
import { event, header, kr, name, printConversation } from './demo-print.ts';

let now = new Date();
/** A Copenhagen wall-clock time (winter or summer time) as the demo's current instant. */
function at(local: string): Date {
  for (const offset of [1, 2]) {
    const candidate = new Date(Date.parse(`${local}:00Z`) - offset * 3_600_000);
    const shown = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Copenhagen', dateStyle: 'short', timeStyle: 'short' }).format(candidate);
    if (shown === local.replace('T', ' ')) return (now = candidate);
  }
  throw new Error(`not a Copenhagen time: ${local}`);
}
const federation = new DemoFederation(() => now);

async function call(code: string, role: Role, method: string, url: string, body?: unknown): Promise<any> {
  const node = federation.get(code);
  const res = await fetch(`${node.url}${url}`, { method, headers: { authorization: `Bearer ${node.token(role)}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${url} at ${code} answered ${res.status}: ${json.code} ${json.detail ?? ''}`);
  return json;
}

/** Sends as a user of `code`, waits for the recipient's signed receipt, and says so. */
async function send(code: string, role: Role, text: string, message: Record<string, unknown>): Promise<{ id: string; conversationId: string }> {
  const sent = await call(code, role, 'POST', '/messages', message);
  for (let i = 0; i < 300; i++) {
    const m = await call(code, 'caseworker', 'GET', `/messages/${sent.id}`);
    if (m.status === 'delivered') {
      event(now, `${name(code)} → ${name(String(message.to))}: ${text}`);
      return sent;
    }
    if (m.status === 'rejected' || m.status === 'failed') throw new Error(`${message.type} ${m.status}: ${m.reason?.code}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${message.type} was not delivered within 15 s`);
}

const show = async (code: string, conversationId: string) => printConversation(code, await call(code, 'caseworker', 'GET', `/conversations/${conversationId}`));
const jens = { cpr: '0101801234', name: 'Jens Jensen' };
const contact = (n: string, phone: string) => ({ name: n, phone });
const admission = (to: string, shelterId: string, citizen: object, day: string, extra: Record<string, unknown> = {}) => ({
  type: 'shelter.admission-notice',
  to,
  payload: { citizen, shelterId, admissionDecisionDate: day, admissionDate: day, admittedBy: 'own-application', handlingBasis: { lastResidenceMunicipality: to }, shelterContact: contact('Lene Berg', '43 23 00 00'), ...extra },
});

async function streetSleeper(): Promise<void> {
  header('1. Københavns opsøgende team møder en gadesover fra Albertslund (Københavnermodellen)');
  at('2026-11-27T06:45');
  const consent = await call('101', 'outreach', 'POST', '/consents', {
    citizen: jens, purpose: 'street-sleeper-handoff', recipients: ['165'], categories: ['identity', 'whereabouts', 'housing-situation', 'wishes'],
    source: 'citizen', sourceNote: 'Borgeren selv, i samtale på Hovedbanegården', method: 'oral', givenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
  });
  event(now, 'Jens giver mundtligt samtykke til, at Albertslund får besked (RSL § 11 a)');
  const notice = await send('101', 'outreach', 'henvendelse om gadesover', {
    type: 'street-sleeper.notice', to: '165', consentId: consent.id,
    payload: { citizen: jens, observed: { place: 'Hovedbanegården, København V', at: now.toISOString() }, situation: { sleepingRoughSince: '2026-11-10', notes: 'Vil gerne hjem til Albertslund' }, wishes: ['go-home', 'shelter'], outreachContact: contact('Mette Holm', '+45 33 66 33 66') },
  });
  at('2026-11-30T09:10');
  await send('165', 'caseworker', 'svar: plads på Solvang i dag', { type: 'street-sleeper.response', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id, payload: { contact: contact('Karen Lund', '43 68 68 68'), offer: { kind: 'shelter-place', date: '2026-11-30' } } });
  await show('101', notice.conversationId);
}

async function solvangStay(): Promise<void> {
  header('2. Jens bor på Forsorgshjemmet Solvang (Glostrup) med Albertslund som handlekommune');
  at('2026-12-01T10:00');
  const notice = await send('161', 'shelter', 'meddelelse om optagelse 30. nov.', admission('165', 'solvang', jens, '2026-11-30'));
  const c = notice.conversationId;
  at('2026-12-02T13:00');
  await send('165', 'caseworker', 'Albertslund er handlekommune og betaler', { type: 'handling.decision', to: '161', conversationId: c, inReplyTo: notice.id, payload: { decision: 'accept', caseworker: contact('Karen Lund', '43 68 68 68') } });
  at('2026-12-04T11:00');
  await send('161', 'shelter', 'opholdsplan', { type: 'shelter.stay-plan', to: '165', conversationId: c, payload: { goals: ['Egen bolig med CTI-støtte'], expectedLengthDays: 90, plannedMoveOutDate: '2027-03-01', responsibilities: [{ who: 'Kontaktperson på Solvang', what: 'Samtaler hver uge' }] } });
  at('2026-12-15T14:00');
  const consent = await call('165', 'caseworker', 'POST', '/consents', {
    citizen: jens, purpose: 'shelter-stay', recipients: ['161'], categories: ['identity', 'action-plan'], source: 'own-case-records', conversationId: c,
    method: 'written', givenAt: now.toISOString(), expiresAt: new Date(now.getTime() + 365 * 86_400_000).toISOString(),
  });
  await send('165', 'caseworker', 'handleplan, version 1', {
    type: 'handleplan.shared', to: '161', conversationId: c, consentId: consent.id,
    payload: { citizen: jens, version: 1, madeOn: '2026-12-15', goals: [{ area: 'housing', goal: 'Egen bolig med CTI-støtte' }], actions: [{ what: 'Ansøgning om almen bolig', who: 'Albertslund boliganvisning', by: '2027-01-15' }], nextReviewOn: '2027-03-15', caseworker: contact('Karen Lund', '43 68 68 68') },
  });
  at('2027-01-08T10:00');
  const areas = ['housing', 'physicalHealth', 'mentalHealth', 'substanceUse', 'finances', 'network', 'dailyLiving', 'employmentEducation'];
  await send('161', 'shelter', 'udredning', { type: 'shelter.assessment', to: '165', conversationId: c, payload: { areas: Object.fromEntries(areas.map((a) => [a, { status: 'Udredt', need: 'Støtte ved flytning' }])), readinessForOwnHousing: 'ready-with-support', recommendedSupport: { method: 'CTI', intensity: 'high' } } });
  at('2027-01-20T09:00');
  await send('161', 'shelter', 'klar til egen bolig siden 18. jan.: 120-dages uret starter', { type: 'shelter.ready-to-move', to: '165', conversationId: c, payload: { readySince: '2027-01-18', basis: 'Udredningen og Jens’ eget ønske', housingNeed: 'own-home-with-support', recommendedSupport: 'CTI' } });
  at('2027-02-03T10:00');
  await send('161', 'shelter', 'status på handleplanen', { type: 'handleplan.update', to: '165', conversationId: c, payload: { planVersion: 1, reportedOn: '2027-02-03', progress: [{ goal: 'Egen bolig med CTI-støtte', status: 'in-progress', note: 'Bolig tilbudt fra 1. marts' }] } });
  at('2027-03-01T10:00');
  await send('161', 'shelter', 'udskrivning til egen bolig; næste skridt: CTI i 9 måneder', { type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: { dischargeDate: '2027-03-01', destination: 'own-home-with-lease', supportArranged: { method: 'CTI', from: '2027-03-01' }, nextStep: { step: 'cti', from: '2027-03-01', until: '2027-12-01', responsible: 'Albertslunds CTI-team' } } });
  await show('161', c);
  await show('165', c);
}

async function herning(): Promise<void> {
  header('3. Herning-sagen (Hernings masterplan 2017): en københavnerfødt Herning-borger på herberg i København');
  const peter = { cpr: '1205791337', name: 'Peter Holm' };
  at('2026-10-02T09:30');
  const notice = await send('101', 'shelter', 'optagelse 1. okt. af Peter (født i København, senest i et bofællesskab i Herning)', admission('657', 'kbh-herberg', peter, '2026-10-01', { handlingBasis: { lastResidenceMunicipality: '657', note: 'Født i København; boede senest i et bofællesskab i Herning' } }));
  at('2026-10-05T11:00');
  await send('657', 'caseworker', 'Herning er handlekommune og betaler', { type: 'handling.decision', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id, payload: { decision: 'accept', caseworker: contact('Ole Dam', '96 28 28 28') } });
  at('2026-10-12T10:00');
  const young = await send('101', 'shelter', 'optagelse af en 22-årig Herning-borger', admission('657', 'kbh-herberg', { cpr: '1404044321', name: 'Emil Sand' }, '2026-10-12'));
  at('2026-10-13T08:00');
  for (const alert of await federation.get('657').node.deadlineWatch.check()) if (alert.conversationId === young.conversationId) event(now, `Advarsel hos Herning: ${alert.title} (${alert.reference})`);
  at('2027-03-31T15:00');
  await send('101', 'shelter', 'udskrivning af Peter til Housing First-bolig', { type: 'shelter.discharge-notice', to: '657', conversationId: notice.conversationId, payload: { dischargeDate: '2027-03-31', destination: 'other-housing-offer', nextStep: { step: 'housing-first-icm', from: '2027-03-31', responsible: 'Hernings hjemløseteam' } } });
  at('2027-04-06T09:00');
  const draft = await call('101', 'finance', 'POST', '/invoices', { paying: '657', periodFrom: '2026-10-01', periodTo: '2027-03-31', draft: true });
  const lines = draft.lines.filter((l: { stayConversationId: string }) => l.stayConversationId === notice.conversationId);
  const total = lines.reduce((sum: number, l: { amountOere: number }) => sum + l.amountOere, 0);
  const invoice = await send('101', 'finance', `opholdsregning for Peter, ${lines[0].days} døgn à ${kr(lines[0].dailyRateOere)} (aftalt takst)`, { type: 'stay-invoice', to: '657', payload: { invoiceNumber: `101-PETER-${randomUUID().slice(0, 8)}`, periodFrom: '2026-10-01', periodTo: '2027-03-31', lines, totalOere: total } });
  const received = await call('657', 'finance', 'GET', `/invoices/${invoice.conversationId}`);
  const f = received.figures;
  console.log(`\n  Sådan ser Herning regningen: godkendt ${kr(f.acceptedOere)}, bestridt ${kr(f.disputedOere)}`);
  console.log(`    statsrefusion: ${f.refundableDays} af ${lines[0].days} døgn × 50 % = ${kr(f.estimatedStateRefusionOere)}; nettoudgift ${kr(f.netCostOere)}`);
  console.log(`    kilde: ${f.refusionRule}`);
}

async function transfer(): Promise<void> {
  header('4. Skift af handlekommune under opholdet: Ali flytter fra Albertslund til et bofællesskab i Herning');
  const ali = { cpr: '0703851235', name: 'Ali Hassan' };
  at('2026-12-10T10:00');
  const notice = await send('101', 'shelter', 'optagelse 10. dec.', admission('165', 'kbh-herberg', ali, '2026-12-10'));
  const c = notice.conversationId;
  at('2026-12-11T09:00');
  await send('165', 'caseworker', 'Albertslund er handlekommune', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: notice.id, payload: { decision: 'accept', caseworker: contact('Karen Lund', '43 68 68 68') } });
  const move = (position: string, extra = {}) => ({ type: 'handling.transfer', to: '101', conversationId: c, payload: { kind: 'transfer', newHandling: '657', effectiveFrom: '2027-01-01', reason: 'citizen-moved', newHandlingPosition: position, ...extra } });
  at('2026-12-18T12:00');
  await send('165', 'caseworker', 'skift til Herning — Herning er uenig; uenigheden noteres (kan indbringes for Ankestyrelsen)', move('disputed', { dispute: { raisedOn: '2026-12-18', position: 'Herning mener ikke, Ali har taget ophold i kommunen' } }));
  at('2026-12-22T10:00');
  await send('165', 'caseworker', 'skift til Herning fra 1. jan. — nu enige (lejekontrakt i bofællesskabet)', move('agreed', { note: 'Lejekontrakt fra 1. januar' }));
  const toHerning = admission('657', 'kbh-herberg', ali, '2026-12-10', { handlingFrom: '2027-01-01' });
  at('2026-12-22T10:30');
  const second = await send('101', 'shelter', 'meddelelse til ny handlekommune fra 1. jan.', { ...toHerning, conversationId: c });
  at('2026-12-28T09:00');
  await send('657', 'caseworker', 'Herning er handlekommune fra 1. jan.', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: second.id, payload: { decision: 'accept', caseworker: contact('Ole Dam', '96 28 28 28') } });
  at('2027-01-05T09:00');
  const december = await call('101', 'finance', 'POST', '/invoices', { paying: '165', periodFrom: '2026-12-01', periodTo: '2026-12-31' });
  event(now, `København → Albertslund: regning for december, ${december.lines.map((l: any) => `${l.firstDay}..${l.lastDay} (${l.days} døgn)`).join(', ')}`);
  const january = await call('101', 'finance', 'POST', '/invoices', { paying: '657', periodFrom: '2027-01-01', periodTo: '2027-01-31', draft: true });
  const hers = january.lines.filter((l: { stayConversationId: string }) => l.stayConversationId === c);
  event(now, `København → Herning (udkast): januar, ${hers.map((l: any) => `${l.firstDay}..${l.lastDay} (${l.days} døgn)`).join(', ')}`);
  await show('101', c);
}

try {
  await federation.start(['101', '165', '161', '657']);
  console.log(`Kommunebro-demo: ${federation.nodes.size} kommuner som rigtige noder på RabbitMQ (exchange ${federation.exchange}); tiderne er københavnsk tid.`);
  await streetSleeper();
  await solvangStay();
  await herning();
  await transfer();
  console.log('\nDemo slut (Demo complete).');
} catch (error) {
  console.error(`\nDemoen stoppede: ${(error as Error).message}`);
  if (/ECONNREFUSED|amqp/i.test((error as Error).message)) console.error('Kører RabbitMQ? Start den med: rabbitmq-server -detached');
  process.exitCode = 1;
} finally {
  await federation.stop();
}
