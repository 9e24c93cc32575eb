// One conversation: what happened, what was decided, the deadlines, and the next actions for this role.
import { api, cprCell, dateTime, day, h, session, table } from '../lib.js';
import { deadlineStates, deadlineTitles, decisionNames, modelNames, name, partyNames, stateNames, statusNames, typeNames } from '../labels.js';
import { explain } from '../refusals.js';
import { actionsFor } from './actions.js';
import { reference } from './reference.js';

export async function conversationPage(root, id) {
  const c = await api('GET', `/conversations/${encodeURIComponent(id)}`);
  const { municipalities } = await reference();
  const muni = (code) => municipalities.find((m) => m.code === code)?.name ?? code;
  // Payloads are read only for what the page must say: the citizen and each decision.
  const detailed = await Promise.all(c.timeline.filter((m) => m.type !== 'receipt' && m.type !== 'error').map((m) => api('GET', `/messages/${m.id}`)));
  const first = detailed[0];
  const citizen = first?.payload?.citizen;
  const items = detailed.map((m) => {
    const p = m.payload ?? {};
    const decided = m.type === 'handling.decision'
      ? h('p', { class: 'decision' }, 'Afgørelse: ', h('strong', {}, name(decisionNames, p.decision)),
        p.forwardTo ? ` til ${muni(p.forwardTo)} Kommune` : '', p.reason ? ` — ${p.reason}` : '', p.legalReference ? ` (${p.legalReference})` : '')
      : null;
    const answer = m.type === 'street-sleeper.response' ? h('p', {}, 'Tilbud: ', p.offer?.kind ?? '—', p.offer?.date ? ` den ${day(p.offer.date)}` : '', p.contact ? ` · kontakt ${p.contact.name}, ${p.contact.phone}` : '') : null;
    const refused = (m.status === 'rejected' || m.status === 'undelivered') && m.reason ? (() => {
      const code = m.reason.code;
      const e = explain(code);
      return h('p', { class: 'bad' }, `${m.status === 'rejected' ? 'Afvist' : 'Ikke leveret'} (${code}): ${e.text} Næste skridt: ${e.next}`);
    })() : null;
    return h('li', { 'data-type': m.type },
      h('p', {}, h('strong', {}, name(typeNames, m.type)), ` · ${m.direction === 'out' ? 'sendt til' : 'modtaget fra'} ${muni(m.direction === 'out' ? m.to : m.from)} · ${dateTime(m.createdAt)} · `,
        h('span', { class: ['rejected', 'failed', 'undelivered'].includes(m.status) ? 'bad' : 'ok' }, name(statusNames, m.status))),
      decided, answer, refused);
  });
  const deadlineRows = c.deadlines.map((d) => h('tr', {}, h('td', {}, deadlineTitles[d.deadline] ?? d.title), h('td', {}, day(d.dueOn)),
    h('td', { class: d.state }, name(deadlineStates, d.state), d.dueSoon ? ' · snart' : ''), h('td', {}, d.metOn ? day(d.metOn) : '—'), h('td', {}, d.reference)));
  const roles = Object.entries(c.roles).map(([role, m]) => `${name(partyNames, role)}: ${m.name}`).join(' · ');
  root.append(
    h('h1', {}, `${name(modelNames, c.model)}: ${name(stateNames, c.state)}`),
    h('p', { id: 'conversation-state', 'data-state': c.state }, 'Parter: ', roles),
    citizen ? h('p', {}, 'Borger: ', citizen.name ?? citizen.description ?? '—', ' ', cprCell(citizen.cpr, 'conversation', c.id)) : null,
    h('h2', {}, 'Tidslinje'), h('ol', { class: 'timeline' }, items),
    h('h2', {}, 'Frister'), table(['Frist', 'Senest', 'Status', 'Overholdt', 'Grundlag'], deadlineRows),
    ...(await actionsFor(c, detailed, session.current.role)),
  );
}
