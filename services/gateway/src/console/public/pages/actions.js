// The forms a conversation offers this user: answer, decide, or the shelter's next messages.
import { actionForm, api, field, h, say, todayCph } from '../lib.js';
import { municipalityOptions } from './reference.js';

const send = async (body) => {
  await api('POST', '/messages', body);
  say('Beskeden er sendt.');
  window.dispatchEvent(new Event('kb:refresh'));
};

const contact = () => h('fieldset', {}, h('legend', {}, 'Kontaktperson'), field('Navn', 'contactName', { required: true }), field('Telefon', 'contactPhone', { type: 'tel', required: true }));

export async function actionsFor(c, messages, role) {
  const ours = new Set(c.ourRoles);
  const lastIn = [...messages].reverse().find((m) => m.direction === 'in');
  const base = { to: undefined, conversationId: c.id };
  const out = [];
  if (c.model === 'street-sleeper-handoff' && ours.has('home') && role === 'caseworker' && ['notified', 'answered'].includes(c.state)) {
    const notice = messages.find((m) => m.type === 'street-sleeper.notice');
    out.push(h('h2', {}, 'Svar gadeplansteamet'), actionForm('Send svar', [
      field('Tilbud', 'kind', { options: [['appointment', 'Møde'], ['shelter-place', 'Herbergsplads'], ['own-housing', 'Egen bolig'], ['transport-home', 'Transport hjem'], ['none', 'Intet tilbud']] }),
      field('Dato', 'date', { type: 'date', value: todayCph() }), field('Begrundelse (hvis intet tilbud)', 'reason', { type: 'textarea' }), contact(),
    ], (v) => send({
      ...base, type: 'street-sleeper.response', to: notice.from, inReplyTo: notice.id,
      payload: { contact: { name: v.contactName, phone: v.contactPhone }, offer: v.kind === 'none' ? { kind: 'none', reason: v.reason } : { kind: v.kind, date: v.date } },
    }), { id: 'answer-form' }));
  }
  if (c.model === 'shelter-stay' && ours.has('handling') && role === 'caseworker' && ['admitted', 'decision-requested'].includes(c.state)) {
    out.push(h('h2', {}, 'Afgørelse om handlekommune'), actionForm('Send afgørelse', [
      field('Afgørelse', 'decision', { options: [['accept', 'Acceptér'], ['decline', 'Afvis'], ['forward', 'Videresend til anden kommune']] }),
      field('Begrundelse', 'reason', { type: 'textarea' }, 'Påkrævet ved afvisning og videresendelse.'),
      field('Lovhenvisning', 'legalReference', { value: 'Retssikkerhedsloven § 9' }, 'Påkrævet ved afvisning.'),
      field('Videresend til', 'forwardTo', { options: [['', '— vælg ved videresendelse —'], ...(await municipalityOptions())] }),
      contact(),
    ], (v) => send({
      ...base, type: 'handling.decision', to: lastIn.from, inReplyTo: lastIn.id,
      payload: {
        decision: v.decision,
        ...(v.decision === 'accept' ? { caseworker: { name: v.contactName, phone: v.contactPhone } } : {}),
        ...(v.decision !== 'accept' ? { reason: v.reason } : {}),
        ...(v.decision === 'decline' ? { legalReference: v.legalReference } : {}),
        ...(v.decision === 'forward' ? { forwardTo: v.forwardTo } : {}),
      },
    }), { id: 'decision-form' }));
  }
  if (c.model === 'shelter-stay' && ours.has('shelter') && role === 'shelter' && c.state !== 'discharged') {
    const handling = c.roles.handling.code;
    const msg = (type, payload) => send({ ...base, type, to: handling, payload });
    const notice = messages.find((m) => m.type === 'shelter.admission-notice');
    if (c.state === 'forwarded' && notice) {
      const button = h('button', { type: 'button', id: 'notify-new-handling' }, `Send meddelelse om optagelse til ${c.roles.handling.name}`);
      button.addEventListener('click', () => msg('shelter.admission-notice', {
        ...notice.payload, handlingBasis: { ...notice.payload.handlingBasis, lastResidenceMunicipality: handling, note: 'Videresendt af den tidligere handlekommune' },
      }));
      out.push(h('h2', {}, 'Sagen er videresendt'), h('p', {}, button));
    }
    if (['admitted', 'declined'].includes(c.state)) {
      out.push(h('h2', {}, 'Anmod om afgørelse'), actionForm('Send anmodning', [
        field('Spørgsmål', 'question', { options: [['act-and-pay', 'Hvem handler og betaler?'], ['act', 'Hvem handler?'], ['pay', 'Hvem betaler?']] }),
        field('Oplysninger', 'facts', { type: 'textarea', required: true }),
      ], (v) => msg('handling.decision-request', { question: v.question, facts: v.facts }), { id: 'request-form' }));
    }
    out.push(h('h2', {}, 'Opholdsplan'), actionForm('Send opholdsplan', [
      field('Mål', 'goal', { required: true }), field('Forventet længde (dage)', 'days', { type: 'number', min: 1, max: 730, value: 90, required: true }),
      field('Planlagt fraflytning', 'moveOut', { type: 'date', required: true }), field('Hvem', 'who', { required: true }), field('Gør hvad', 'what', { required: true }),
    ], (v) => msg('shelter.stay-plan', { goals: [v.goal], expectedLengthDays: Number(v.days), plannedMoveOutDate: v.moveOut, responsibilities: [{ who: v.who, what: v.what }] }), { id: 'plan-form' }));
    const areas = ['housing', 'physicalHealth', 'mentalHealth', 'substanceUse', 'finances', 'network', 'dailyLiving', 'employmentEducation'];
    out.push(h('h2', {}, 'Udredning'), actionForm('Send udredning', [
      field('Status (samlet)', 'status', { type: 'textarea', required: true }), field('Behov (samlet)', 'need', { type: 'textarea', required: true }),
      field('Klar til egen bolig', 'readiness', { options: [['ready', 'Klar'], ['ready-with-support', 'Klar med støtte'], ['not-yet', 'Ikke endnu']] }),
      field('Anbefalet støtte', 'method', { options: [['CTI', 'CTI'], ['ICM', 'ICM'], ['ACT', 'ACT'], ['none', 'Ingen']] }),
    ], (v) => msg('shelter.assessment', {
      areas: Object.fromEntries(areas.map((a) => [a, { status: v.status, need: v.need }])), readinessForOwnHousing: v.readiness, recommendedSupport: { method: v.method },
    }), { id: 'assessment-form' }));
    out.push(h('h2', {}, 'Udskrivning'), actionForm('Send udskrivning', [
      field('Udskrevet', 'dischargeDate', { type: 'date', value: todayCph(), required: true }),
      field('Til', 'destination', { options: [['own-home-with-lease', 'Egen bolig med lejekontrakt'], ['other-housing-offer', 'Andet boligtilbud'], ['other-shelter', 'Andet herberg'], ['hospital', 'Hospital'], ['prison', 'Fængsel'], ['unknown', 'Ukendt']] }),
    ], (v) => msg('shelter.discharge-notice', { dischargeDate: v.dischargeDate, destination: v.destination }), { id: 'discharge-form' }));
  }
  return out;
}
