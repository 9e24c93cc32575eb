// `npm run demo:remote`: plays the seed stories on a running federation (`npm start` in another
// terminal, or docker-compose with its .env) through each node's HTTP API, and prints every
// conversation's timeline. `npm run demo` instead tells them over realistic dates on its own nodes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { municipalityName } from '../../gateway/src/config/municipalities.ts';
import { copenhagenDate } from '../../gateway/src/domain/calendar.ts';

const dir = path.resolve(process.env.KB_FEDERATION_DIR ?? 'data/federation');
const portBase = Number(process.env.KB_FEDERATION_PORT_BASE ?? 8000);
type Role = 'outreach' | 'shelter' | 'caseworker' | 'finance' | 'admin';

let tokens: Record<string, Record<Role, string>>;
// Against docker-compose.yml: its .env in the environment gives each node's KB_TOKENS_<code> and KB_PORT_<code>.
const fromEnv = ['101', '165', '161', '159', '657'].filter((code) => process.env[`KB_TOKENS_${code}`]);
try {
  tokens = fromEnv.length > 0
    ? Object.fromEntries(fromEnv.map((code) => [code, Object.fromEntries(process.env[`KB_TOKENS_${code}`]!.split(',').map((pair) => pair.trim().split('=').reverse()))]))
    : JSON.parse(readFileSync(path.join(dir, 'tokens.json'), 'utf8'));
} catch {
  console.error(`No federation found in ${dir}. Start it first with: npm start`);
  process.exit(1);
}
const portOf = (code: string) => Number(process.env[`KB_PORT_${code}`] ?? portBase + Number(code));

async function call(code: string, role: Role, method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${portOf(code)}${url}`, {
    method,
    headers: { authorization: `Bearer ${tokens[code]![role]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${url} at ${code} answered ${res.status}: ${json.code} ${json.detail ?? ''}`);
  return json;
}

/** Sends as a user of `code` and waits until the recipient's signed receipt arrived. */
async function send(code: string, role: Role, message: Record<string, unknown>): Promise<{ id: string; conversationId: string }> {
  const sent = await call(code, role, 'POST', '/messages', message);
  for (let i = 0; i < 200; i++) {
    const m = await call(code, 'caseworker', 'GET', `/messages/${sent.id}`);
    if (m.status === 'delivered') {
      console.log(`  ${municipalityName(code)} → ${municipalityName(String(message.to))}: ${message.type} delivered`);
      return sent;
    }
    if (m.status === 'rejected' || m.status === 'failed') throw new Error(`${message.type} ${m.status}: ${m.reason?.code}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${message.type} was not delivered within 20 s`);
}

async function printTimeline(code: string, conversationId: string): Promise<void> {
  const c = await call(code, 'caseworker', 'GET', `/conversations/${conversationId}`);
  const roles = Object.entries(c.roles as Record<string, { code: string; name: string }>).map(([role, m]) => `${role}: ${m.name} (${m.code})`);
  console.log(`\n  Conversation ${c.id} as seen by ${municipalityName(code)}`);
  console.log(`  ${c.modelTitle}; state ${c.state}; ${roles.join(', ')}`);
  for (const m of c.timeline) {
    console.log(`    ${m.createdAt.slice(0, 19)}  ${m.direction === 'out' ? 'sent    ' : 'received'}  ${m.type.padEnd(26)} ${m.from} → ${m.to}  ${m.status}`);
  }
  for (const d of c.deadlines) console.log(`    deadline ${d.deadline.padEnd(24)} due ${d.dueOn}  ${d.state}${d.metOn ? ` (met ${d.metOn})` : ''}`);
}

const today = copenhagenDate(new Date());
const citizen = { cpr: '0101801234', name: 'Jens Jensen' };
const areas = ['housing', 'physicalHealth', 'mentalHealth', 'substanceUse', 'finances', 'network', 'dailyLiving', 'employmentEducation'];

async function streetSleeper(): Promise<void> {
  console.log('\n1. København outreach finds an Albertslund citizen sleeping rough; with his consent, Albertslund is told and answers');
  const consent = await call('101', 'outreach', 'POST', '/consents', {
    citizen,
    purpose: 'street-sleeper-handoff',
    recipients: ['165'],
    categories: ['identity', 'whereabouts', 'housing-situation', 'wishes'],
    source: 'citizen',
    sourceNote: 'The citizen himself, in conversation with the outreach team',
    method: 'oral',
    givenAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  });
  console.log(`  consent ${consent.id} recorded at København: ${consent.categories.join(', ')} → Albertslund`);
  const notice = await send('101', 'outreach', {
    type: 'street-sleeper.notice',
    to: '165',
    consentId: consent.id,
    payload: {
      citizen,
      observed: { place: 'Hovedbanegården, København V', at: new Date().toISOString() },
      situation: { sleepingRoughSince: today, notes: 'Wants to go home to Albertslund' },
      wishes: ['go-home', 'shelter'],
      outreachContact: { name: 'Mette Holm', phone: '+45 33 66 33 66' },
    },
  });
  await send('165', 'caseworker', {
    type: 'street-sleeper.response',
    to: '101',
    conversationId: notice.conversationId,
    inReplyTo: notice.id,
    payload: { contact: { name: 'Karen Lund', phone: '43 68 68 68' }, offer: { kind: 'shelter-place', date: today } },
  });
  await printTimeline('101', notice.conversationId);
}

const admission = (to: string, shelterId: string) => ({
  type: 'shelter.admission-notice',
  to,
  payload: {
    citizen,
    shelterId,
    admissionDecisionDate: today,
    admissionDate: today,
    admittedBy: 'own-application',
    handlingBasis: { lastResidenceMunicipality: to, lastAddress: `Last address in ${municipalityName(to)}` },
    shelterContact: { name: 'Lene Berg', phone: '43 23 00 00' },
  },
});

async function shelterStay(): Promise<void> {
  console.log('\n2. The citizen is admitted to Solvang; Glostrup notifies Albertslund, asks who acts, gets accept, sends stay plan, assessment, discharge');
  const notice = await send('161', 'shelter', admission('165', 'solvang'));
  const c = notice.conversationId;
  const request = await send('161', 'shelter', { type: 'handling.decision-request', to: '165', conversationId: c, payload: { question: 'act-and-pay', facts: 'Lived in Albertslund until this autumn' } });
  await send('165', 'caseworker', { type: 'handling.decision', to: '161', conversationId: c, inReplyTo: request.id, payload: { decision: 'accept', caseworker: { name: 'Karen Lund', phone: '43 68 68 68' } } });
  await send('161', 'shelter', { type: 'shelter.stay-plan', to: '165', conversationId: c, payload: { goals: ['Own housing with CTI support'], expectedLengthDays: 90, plannedMoveOutDate: today, responsibilities: [{ who: 'Solvang contact person', what: 'Weekly talks' }, { who: 'Albertslund housing office', what: 'Housing offer' }] } });
  await send('161', 'shelter', { type: 'shelter.assessment', to: '165', conversationId: c, payload: { areas: Object.fromEntries(areas.map((a) => [a, { status: 'Assessed', need: 'Support while moving' }])), readinessForOwnHousing: 'ready-with-support', recommendedSupport: { method: 'CTI', intensity: 'high' } } });
  await send('161', 'shelter', { type: 'shelter.discharge-notice', to: '165', conversationId: c, payload: { dischargeDate: today, destination: 'own-home-with-lease', supportArranged: { method: 'CTI', from: today }, nextStep: { step: 'cti', from: today, until: new Date(Date.parse(today) + 270 * 86_400_000).toISOString().slice(0, 10), responsible: 'Albertslunds CTI-team' } } });
  await printTimeline('165', c);
}

async function forwarded(): Promise<void> {
  console.log('\n3. A Herning citizen in a København shelter: Albertslund declines, then forwards to Herning, which accepts');
  const notice = await send('101', 'shelter', admission('165', 'kbh-herberg'));
  const c = notice.conversationId;
  const first = await send('101', 'shelter', { type: 'handling.decision-request', to: '165', conversationId: c, payload: { question: 'act-and-pay', facts: 'Citizen named Albertslund as last residence' } });
  await send('165', 'caseworker', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: first.id, payload: { decision: 'decline', reason: 'Moved out of Albertslund in 2023', legalReference: 'Retssikkerhedsloven § 9' } });
  const second = await send('101', 'shelter', { type: 'handling.decision-request', to: '165', conversationId: c, payload: { question: 'act-and-pay', facts: 'Citizen now says he moved on from Albertslund to Herning' } });
  await send('165', 'caseworker', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: second.id, payload: { decision: 'forward', forwardTo: '657', reason: 'Registered in Herning since 2023' } });
  const toHerning = await send('101', 'shelter', { ...admission('657', 'kbh-herberg'), conversationId: c });
  await send('657', 'caseworker', { type: 'handling.decision', to: '101', conversationId: c, inReplyTo: toHerning.id, payload: { decision: 'accept', caseworker: { name: 'Ole Dam', phone: '96 28 28 28' } } });
  await printTimeline('101', c);
}

async function invoice(): Promise<void> {
  console.log('\n4. Glostrup bills Albertslund for the month; its finance system bills the Solvang stay twice, and Albertslund disputes the duplicate line');
  const monthStart = `${today.slice(0, 8)}01`;
  const draft = await call('161', 'finance', 'POST', '/invoices', { paying: '165', periodFrom: monthStart, periodTo: today, draft: true });
  const lines = [...draft.lines, { ...draft.lines[0], lineId: String(draft.lines.length + 1) }];
  const sent = await send('161', 'finance', {
    type: 'stay-invoice',
    to: '165',
    payload: { ...draft, draft: undefined, lines, totalOere: lines.reduce((total: number, l: { amountOere: number }) => total + l.amountOere, 0) },
  });
  let received: any;
  for (let i = 0; i < 100 && !received; i++) {
    received = await call('165', 'finance', 'GET', '/invoices').then((r) => r.invoices.find((x: { id: string }) => x.id === sent.conversationId));
    if (!received) await new Promise((r) => setTimeout(r, 100));
  }
  await call('165', 'finance', 'POST', `/invoices/${sent.conversationId}/answer`);
  let view: any;
  for (let i = 0; i < 100; i++) {
    view = await call('161', 'finance', 'GET', `/invoices/${sent.conversationId}`);
    if (view.status === 'reconciled') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const kr = (oere: number) => `${(oere / 100).toFixed(2)} kr.`;
  console.log(`\n  Invoice ${view.number} as seen by Glostrup: ${view.status}`);
  for (const l of view.lines) console.log(`    line ${l.lineId}  ${l.shelterId}  ${l.firstDay}..${l.lastDay}  ${l.days} day(s) × ${kr(l.dailyRateOere)} = ${kr(l.amountOere)}  ${l.outcome}${l.reason ? ` (${l.reason})` : ''}`);
  const atPaying = await call('165', 'finance', 'GET', `/invoices/${sent.conversationId}`);
  const f = atPaying.figures;
  console.log(`  Albertslund: accepted ${kr(f.acceptedOere)}, disputed ${kr(f.disputedOere)}, estimated state refusion ${kr(f.estimatedStateRefusionOere)}, net cost ${kr(f.netCostOere)}`);
}

try {
  await streetSleeper();
  await shelterStay();
  await forwarded();
  await invoice();
  console.log('\nDemo complete.');
} catch (error) {
  console.error(`\nDemo stopped: ${(error as Error).message}`);
  if ((error as Error).message.includes('fetch failed')) console.error('Is the federation running? Start it with: npm start');
  process.exit(1);
}
