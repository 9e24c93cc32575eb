import type { Duration } from './calendar.ts';

// What an evidence bundle proves, said in plain Danish and English (cli/evidence.ts prints it).
// Times in Copenhagen time.

export interface Said {
  da: string;
  en: string;
}

/** Each message type in the definite form a sentence needs ("underretningen", "the notice"). */
const typeWords: Record<string, Said> = {
  'street-sleeper.notice': { da: 'underretningen om gadesoveren', en: 'street-sleeper notice' },
  'street-sleeper.response': { da: 'svaret på underretningen', en: 'response to the notice' },
  'street-sleeper.update': { da: 'opdateringen', en: 'update' },
  'street-sleeper.closed': { da: 'afslutningen', en: 'closing message' },
  'shelter.admission-notice': { da: 'meddelelsen om optagelse', en: 'admission notice' },
  'handling.decision-request': { da: 'anmodningen om afgørelse', en: 'decision request' },
  'handling.decision': { da: 'afgørelsen om handlekommune', en: 'decision on the handling municipality' },
  'handling.transfer': { da: 'meddelelsen om skift af handlekommune', en: 'change of handling municipality' },
  'shelter.stay-plan': { da: 'opholdsplanen', en: 'stay plan' },
  'shelter.assessment': { da: 'udredningen', en: 'assessment' },
  'shelter.ready-to-move': { da: 'meddelelsen om klar til at flytte', en: 'ready-to-move notice' },
  'shelter.discharge-notice': { da: 'meddelelsen om udskrivning', en: 'discharge notice' },
  'handleplan.shared': { da: 'handleplanen', en: 'handleplan' },
  'handleplan.update': { da: 'opdateringen af handleplanen', en: 'handleplan update' },
  'stay-invoice': { da: 'fakturaen for ophold', en: 'stay invoice' },
  'invoice.reconciliation': { da: 'svaret på fakturaen', en: 'answer to the invoice' },
  'consent.withdrawn': { da: 'meddelelsen om tilbagetrukket samtykke', en: 'consent withdrawal notice' },
  'trust.key-rotation': { da: 'meddelelsen om nøgleskift', en: 'key rotation announcement' },
};

export const typeWord = (type: string): Said => typeWords[type] ?? { da: `meddelelsen (${type})`, en: `message (${type})` };

/** What starts a clock, by the payload's date field ("efter afgørelsen om optagelse"). */
const startWords: Record<string, Said> = {
  admissionDecisionDate: { da: 'afgørelsen om optagelse', en: 'the admission decision' },
  admissionDate: { da: 'optagelsen', en: 'the admission' },
  readySince: { da: 'at borgeren var klar til at flytte', en: 'the citizen was ready to move' },
};

export function startWord(startsWith: { type: string; dateField?: string }): Said {
  const known = startsWith.dateField ? startWords[startsWith.dateField] : undefined;
  if (known) return known;
  const word = typeWord(startsWith.type);
  return { da: word.da, en: `the ${word.en}` };
}

export function durationWords(d: Duration): Said {
  const one = d.amount === 1;
  const units: Record<Duration['unit'], Said> = {
    'working-days': { da: one ? 'hverdag' : 'hverdage', en: one ? 'working day' : 'working days' },
    days: { da: one ? 'dag' : 'dage', en: one ? 'day' : 'days' },
    weeks: { da: one ? 'uge' : 'uger', en: one ? 'week' : 'weeks' },
  };
  return { da: `${d.amount} ${units[d.unit].da}`, en: `${d.amount} ${units[d.unit].en}` };
}

const zone = 'Europe/Copenhagen';
const daDate = new Intl.DateTimeFormat('da-DK', { timeZone: zone, day: 'numeric', month: 'long', year: 'numeric' });
const enDate = new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'long', year: 'numeric' });
const daTime = new Intl.DateTimeFormat('da-DK', { timeZone: zone, hour: '2-digit', minute: '2-digit' });
const enTime = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });

/** "3. december 2026 kl. 10.14" / "3 December 2026 at 10:14", Copenhagen time. */
export function instantWords(iso: string): Said {
  const at = new Date(iso);
  return { da: `${daDate.format(at)} kl. ${daTime.format(at)}`, en: `${enDate.format(at)} at ${enTime.format(at)}` };
}

/** A calendar day (YYYY-MM-DD): "4. december 2026" / "4 December 2026". */
export function dayWords(day: string): Said {
  const noon = new Date(`${day}T12:00:00Z`);
  return { da: daDate.format(noon), en: enDate.format(noon) };
}

export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
