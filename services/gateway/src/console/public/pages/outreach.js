// Outreach worker: record the citizen's consent, send a street-sleeper notice, follow it.
import { actionForm, api, checkboxes, cprCell, dateTime, day, field, h, nowLocalInput, say, table } from '../lib.js';
import { deadlineStates, name, stateNames, statusNames } from '../labels.js';
import { isoOf, municipalityOptions } from './reference.js';

/** The consent just recorded, kept in memory only (never in the URL or browser storage). */
let lastConsent;

const categories = [['identity', 'Identitet'], ['whereabouts', 'Opholdssted'], ['housing-situation', 'Boligsituation'], ['health', 'Helbred'], ['substance-use', 'Misbrug'], ['wishes', 'Ønsker']];
const purposes = [['street-sleeper-handoff', 'Gadesover: underretning til hjemkommunen'], ['shelter-stay', 'Herbergsophold (§ 110)']];

export async function consentPage(root) {
  const inAYear = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  const list = h('div');
  const form = actionForm('Registrér samtykke', [
    h('fieldset', {}, h('legend', {}, 'Borgeren'),
      field('CPR-nummer', 'cpr', { inputmode: 'numeric', pattern: '\\d{10}', autocomplete: 'off' }, '10 cifre uden bindestreg. Vises aldrig i en adresse.'),
      field('Navn', 'name', { autocomplete: 'off' }),
      field('Beskrivelse (hvis CPR ikke kendes)', 'description', { type: 'textarea' })),
    field('Formål', 'purpose', { options: purposes }),
    field('Må deles med (kommune)', 'recipient', { options: await municipalityOptions('165') }),
    checkboxes('Oplysninger, der må deles', 'categories', categories, ['identity', 'whereabouts', 'housing-situation', 'wishes']),
    field('Hvor oplysningerne kommer fra', 'source', { options: [['citizen', 'Borgeren selv'], ['outreach-observation', 'Gadeplansteamets iagttagelser']] }),
    field('Uddybning af kilden', 'sourceNote', { value: 'Borgeren selv, i samtale med gadeplansteamet' }),
    field('Hvordan samtykket blev givet', 'method', { options: [['oral', 'Mundtligt'], ['written', 'Skriftligt'], ['digital', 'Digitalt']] }),
    field('Givet', 'givenAt', { type: 'datetime-local', value: nowLocalInput(), required: true }),
    field('Gælder til og med', 'expiresAt', { type: 'date', value: inAYear, required: true }),
  ], async (v) => {
    const citizen = { ...(v.cpr ? { cpr: v.cpr.replace(/\D/g, '') } : {}), ...(v.name ? { name: v.name } : {}), ...(v.description ? { description: v.description } : {}) };
    const consent = await api('POST', '/consents', {
      citizen, purpose: v.purpose, recipients: [v.recipient], categories: v.categories ?? [], source: v.source, ...(v.sourceNote ? { sourceNote: v.sourceNote } : {}), method: v.method,
      givenAt: isoOf(v.givenAt), expiresAt: new Date(`${v.expiresAt}T23:59:59`).toISOString(),
    });
    lastConsent = { id: consent.id, citizen, recipient: v.recipient };
    say('Samtykket er registreret.');
    list.replaceChildren(h('div', { class: 'card', id: 'consent-done' }, h('h2', {}, 'Samtykket er registreret'),
      h('p', {}, 'Samtykke-id: ', h('code', {}, consent.id)),
      h('p', {}, h('a', { href: '#/underret', class: 'button' }, 'Send underretning med dette samtykke'))));
  });
  const lookup = actionForm('Find samtykker', [
    field('CPR-nummer', 'lookupCpr', { inputmode: 'numeric', required: true }),
    field('Formål med opslaget', 'lookupPurpose', { required: true }, 'Opslaget logges med dit navn og formålet.'),
  ], async (v) => {
    const { consents } = await api('GET', '/consents', undefined, { 'x-citizen-cpr': v.lookupCpr.replace(/\D/g, ''), 'x-purpose': v.lookupPurpose });
    list.replaceChildren(h('h2', {}, 'Borgerens samtykker'), table(['Id', 'Formål', 'Modtagere', 'Status', 'Udløber'],
      consents.map((c) => h('tr', {}, h('td', {}, h('code', {}, c.id)), h('td', {}, c.purpose), h('td', {}, c.recipients.join(', ')), h('td', {}, c.status), h('td', {}, dateTime(c.expiresAt))))));
  });
  root.append(h('h1', {}, 'Borgerens samtykke'), h('p', { class: 'hint' }, 'Retssikkerhedsloven § 11 a: hvad må deles, med hvem, hvorfra, hvordan givet og til hvornår.'), form, list, h('h2', {}, 'Find en borgers samtykker'), lookup);
}

export async function noticePage(root) {
  const c = lastConsent;
  const form = actionForm('Send underretning', [
    field('Samtykke-id', 'consentId', { required: true, value: c?.id }, 'Registrér samtykket først under "Samtykke".'),
    field('Til hjemkommune', 'to', { options: await municipalityOptions(c?.recipient ?? '165') }),
    h('fieldset', {}, h('legend', {}, 'Borgeren'),
      field('CPR-nummer', 'cpr', { inputmode: 'numeric', value: c?.citizen.cpr }), field('Navn', 'name', { value: c?.citizen.name })),
    h('fieldset', {}, h('legend', {}, 'Mødt'),
      field('Sted', 'place', { required: true }), field('Tidspunkt', 'at', { type: 'datetime-local', value: nowLocalInput(), required: true })),
    checkboxes('Borgerens ønsker', 'wishes', [['go-home', 'Hjem til kommunen'], ['housing', 'Bolig'], ['shelter', 'Herbergsplads'], ['other', 'Andet']], ['go-home']),
    h('fieldset', {}, h('legend', {}, 'Kontakt i gadeplansteamet'), field('Navn', 'contactName', { required: true }), field('Telefon', 'contactPhone', { type: 'tel', required: true })),
  ], async (v) => {
    const citizen = { ...(v.cpr ? { cpr: v.cpr.replace(/\D/g, '') } : {}), ...(v.name ? { name: v.name } : {}) };
    const sent = await api('POST', '/messages', {
      type: 'street-sleeper.notice', to: v.to, consentId: v.consentId,
      payload: { citizen, observed: { place: v.place, at: isoOf(v.at) }, wishes: v.wishes ?? [], outreachContact: { name: v.contactName, phone: v.contactPhone } },
    });
    say('Underretningen er sendt.');
    location.hash = `#/samtale/${sent.conversationId}`;
  });
  root.append(h('h1', {}, 'Send underretning om gadesover'), h('p', { class: 'hint' }, 'Hjemkommunen skal svare inden 2 arbejdsdage.'), form);
}

export async function followPage(root) {
  const [{ messages }, { deadlines }, { conversations }] = await Promise.all([
    api('GET', '/messages?direction=out&type=street-sleeper.notice'), api('GET', '/deadlines'), api('GET', '/conversations?model=street-sleeper-handoff'),
  ]);
  const rows = messages.map((m) => {
    const d = deadlines.find((x) => x.conversationId === m.conversationId);
    const conv = conversations.find((x) => x.id === m.conversationId);
    return h('tr', {}, h('td', {}, dateTime(m.createdAt)), h('td', {}, m.payload?.citizen?.name ?? '—', ' ', cprCell(m.payload?.citizen?.cpr, 'message', m.id)),
      h('td', {}, conv?.roles?.home?.name ?? m.to), h('td', {}, name(statusNames, m.status)), h('td', {}, name(stateNames, conv?.state)),
      h('td', { class: d?.state }, d ? `${name(deadlineStates, d.state)} (frist ${day(d.dueOn)})` : '—'),
      h('td', {}, h('a', { href: `#/samtale/${m.conversationId}` }, 'Tidslinje')));
  });
  root.append(h('h1', {}, 'Mine underretninger'), table(['Sendt', 'Borger', 'Til', 'Levering', 'Sag', 'Svarfrist', 'Se'], rows));
}
