// Shelter staff: the § 110 admission notice with its 3-working-day clock, and the current stays.
import { actionForm, api, cprCell, day, field, h, say, session, table, todayCph } from '../lib.js';
import { deadlineStates, deadlineTitles, name, stateNames } from '../labels.js';
import { municipalityOptions, reference } from './reference.js';

export async function admissionPage(root) {
  const { shelters } = await reference();
  const own = shelters.filter((s) => s.municipality === (session.current.municipality.code));
  const clock = h('p', { class: 'clock', id: 'clock', 'aria-live': 'polite' });
  const showClock = async (decisionDate) => {
    if (!decisionDate) return void (clock.textContent = 'Angiv datoen for optagelsesafgørelsen.');
    const { dueOn } = await api('GET', `/session/working-days?from=${decisionDate}&days=3`);
    const late = dueOn < todayCph();
    clock.textContent = `Meddelelsen skal være hos handlekommunen senest ${day(dueOn)} (3 arbejdsdage efter afgørelsen, SEL § 110 stk. 6).${late ? ' Fristen er overskredet.' : ''}`;
    clock.classList.toggle('overdue', late);
  };
  const form = actionForm('Send meddelelse om optagelse', [
    h('fieldset', {}, h('legend', {}, 'Borgeren'), field('CPR-nummer', 'cpr', { inputmode: 'numeric', required: true }), field('Navn', 'name', { required: true })),
    field('Herberg', 'shelterId', { options: (own.length ? own : shelters).map((s) => [s.id, s.name]) }),
    field('Optagelsesafgørelse truffet', 'decisionDate', { type: 'date', value: todayCph(), required: true }),
    clock,
    field('Optaget', 'admissionDate', { type: 'date', value: todayCph(), required: true }),
    field('Optaget efter', 'admittedBy', { options: [['own-application', 'Egen henvendelse'], ['referral', 'Henvisning']] }),
    field('Handlekommune (sidste bopæl)', 'handling', { options: await municipalityOptions('165') }),
    field('Sidste adresse', 'lastAddress'),
    h('fieldset', {}, h('legend', {}, 'Kontakt på herberget'), field('Navn', 'contactName', { required: true }), field('Telefon', 'contactPhone', { type: 'tel', required: true })),
  ], async (v) => {
    const sent = await api('POST', '/messages', {
      type: 'shelter.admission-notice', to: v.handling,
      payload: {
        citizen: { cpr: v.cpr.replace(/\D/g, ''), name: v.name }, shelterId: v.shelterId, admissionDecisionDate: v.decisionDate, admissionDate: v.admissionDate,
        admittedBy: v.admittedBy, handlingBasis: { lastResidenceMunicipality: v.handling, ...(v.lastAddress ? { lastAddress: v.lastAddress } : {}) },
        shelterContact: { name: v.contactName, phone: v.contactPhone },
      },
    });
    say('Meddelelsen er sendt.');
    location.hash = `#/samtale/${sent.conversationId}`;
  }, { id: 'admission-form' });
  form.querySelector('#f-decisionDate').addEventListener('change', (e) => void showClock(e.target.value));
  await showClock(todayCph());
  root.append(h('h1', {}, 'Meddelelse om optagelse (§ 110)'), form);
}

export async function staysPage(root) {
  const [{ conversations }, { deadlines }, { messages }] = await Promise.all([
    api('GET', '/conversations?model=shelter-stay'), api('GET', '/deadlines'), api('GET', '/messages?type=shelter.admission-notice&direction=out'),
  ]);
  const current = conversations.filter((c) => c.state !== 'discharged');
  const rows = current.map((c) => {
    const notice = messages.find((m) => m.conversationId === c.id);
    const own = deadlines.filter((d) => d.conversationId === c.id && d.state !== 'cancelled');
    return h('tr', {}, h('td', {}, notice?.payload.citizen.name ?? '—', ' ', cprCell(notice?.payload.citizen.cpr, 'conversation', c.id)),
      h('td', {}, day(notice?.payload.admissionDate)), h('td', {}, c.roles.handling?.name ?? '—'), h('td', {}, name(stateNames, c.state)),
      h('td', {}, h('ul', {}, own.map((d) => h('li', { class: d.state }, `${deadlineTitles[d.deadline] ?? d.title}: ${day(d.dueOn)} – ${name(deadlineStates, d.state)}`)))),
      h('td', {}, h('a', { href: `#/samtale/${c.id}` }, 'Åbn')));
  });
  root.append(h('h1', {}, 'Aktuelle ophold'), table(['Borger', 'Optaget', 'Handlekommune', 'Status', 'Frister', 'Sag'], rows));
}
