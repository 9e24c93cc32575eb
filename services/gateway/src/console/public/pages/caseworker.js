// Caseworker in the handling / home municipality: what arrived and waits for an answer, oldest deadline first.
import { api, dateTime, day, h, session, table } from '../lib.js';
import { deadlineStates, modelNames, name, stateNames } from '../labels.js';

const waiting = { 'street-sleeper-handoff': { role: 'home', states: ['notified'] }, 'shelter-stay': { role: 'handling', states: ['admitted', 'decision-requested'] } };

export async function inboxPage(root) {
  const [{ conversations }, { deadlines }] = await Promise.all([api('GET', '/conversations'), api('GET', '/deadlines')]);
  const me = session.current.municipality.code;
  const items = conversations
    .filter((c) => waiting[c.model] && c.roles[waiting[c.model].role]?.code === me && waiting[c.model].states.includes(c.state))
    .map((c) => {
      const open = deadlines.filter((d) => d.conversationId === c.id && !d.metOn && d.state !== 'cancelled').sort((a, b) => a.dueOn.localeCompare(b.dueOn));
      return { c, due: open[0] };
    })
    // Oldest deadline first; without a deadline, oldest arrival first, after those with one.
    .sort((a, b) => (a.due?.dueOn ?? '9999').localeCompare(b.due?.dueOn ?? '9999') || a.c.createdAt.localeCompare(b.c.createdAt));
  const rows = items.map(({ c, due }) => {
    const from = Object.entries(c.roles).find(([, m]) => m.code !== me)?.[1];
    return h('tr', {}, h('td', {}, name(modelNames, c.model)), h('td', {}, from?.name ?? '—'), h('td', {}, dateTime(c.createdAt)), h('td', {}, name(stateNames, c.state)),
      h('td', { class: due?.state }, due ? `${day(due.dueOn)} (${name(deadlineStates, due.state)})` : '—'),
      h('td', {}, h('a', { href: `#/samtale/${c.id}` }, 'Åbn og svar')));
  });
  root.append(h('h1', {}, 'Indbakke'), h('p', { class: 'hint' }, 'Det, der venter på svar fra os. Ældste frist først.'),
    table(['Sag', 'Fra', 'Modtaget', 'Status', 'Frist', 'Handling'], rows));
}
