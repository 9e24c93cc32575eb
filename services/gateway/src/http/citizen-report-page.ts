import { capitalise, instantWords, typeWord } from '../domain/evidence-texts.ts';
import type { CitizenReport } from '../use-cases/citizen-report.ts';

// The citizen's access report as a printable Danish page. Everything from the report is escaped;
// no script and no inline style (the node's CSP forbids both): the console's style sheet only.

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const when = (iso: string | null | undefined) => (iso ? escapeHtml(instantWords(iso).da) : '–');

const statusNames: Record<string, string> = { queued: 'i kø', sent: 'sendt', delivered: 'modtaget hos modtager', rejected: 'afvist', failed: 'kunne ikke leveres', accepted: 'modtaget' };
const consentStates: Record<string, string> = { active: 'aktivt', withdrawn: 'trukket tilbage', expired: 'udløbet' };
const accessNames: Record<string, string> = {
  'consent.lookup': 'Slog borgerens samtykker op',
  'cpr.show': 'Fik vist CPR-nummeret',
  'citizen.report': 'Bad om denne oversigt (indsigt)',
  'message.evidence': 'Hentede bevis for en besked',
};

/** A payload as nested lists: every key and value escaped. */
function data(value: unknown): string {
  if (Array.isArray(value)) return `<ul>${value.map((v) => `<li>${data(v)}</li>`).join('')}</ul>`;
  if (value !== null && typeof value === 'object') {
    return `<dl>${Object.entries(value).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${data(v)}</dd>`).join('')}</dl>`;
  }
  return escapeHtml(value);
}

const table = (head: string[], rows: string[][], empty: string) =>
  rows.length === 0
    ? `<p>${escapeHtml(empty)}</p>`
    : `<table><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

export function citizenReportPage(r: CitizenReport): string {
  const us = r.municipality.name;
  const messages = table(
    ['Tidspunkt', 'Retning', 'Besked', 'Status', 'Oplysninger'],
    r.messages.map((m) => [
      when(m.createdAt),
      escapeHtml(m.direction === 'out' ? `Sendt til ${m.to.name}` : `Modtaget fra ${m.from.name}`),
      `${escapeHtml(capitalise(typeWord(m.type).da))}<br><span class="hint">${escapeHtml(m.id)}</span>`,
      escapeHtml(statusNames[m.status] ?? m.status),
      data(m.data),
    ]),
    'Ingen beskeder om borgeren.',
  );
  const consents = table(
    ['Givet', 'Formål', 'Til', 'Oplysninger', 'Status', 'Udløber', 'Trukket tilbage'],
    r.consents.map((c) => [
      when(c.givenAt), escapeHtml(c.purpose), escapeHtml(c.recipients.join(', ')), escapeHtml(c.categories.join(', ')),
      escapeHtml(consentStates[c.status] ?? c.status), when(c.expiresAt), when(c.withdrawal?.withdrawnAt),
    ]),
    `Ingen samtykker registreret hos ${us}.`,
  );
  const received = table(
    ['Modtaget', 'Fra', 'Formål', 'Oplysninger', 'Samtykket trukket tilbage'],
    r.receivedUnderConsent.map((e) => [when(e.at), escapeHtml(e.from.name), escapeHtml(e.purpose), escapeHtml(Array.isArray(e.categories) ? e.categories.join(', ') : ''), when(e.withdrawnAt)]),
    'Ingen oplysninger modtaget under en anden kommunes samtykke.',
  );
  const lookups = table(
    ['Tidspunkt', 'Hvem', 'Hvad', 'Formål'],
    r.lookups.map((l) => [when(l.at), escapeHtml(l.actor), escapeHtml(accessNames[l.action] ?? l.action), escapeHtml(l.purpose ?? '–')]),
    'Ingen opslag fundet.',
  );
  const c = r.completeness;
  const limits = [
    c.messagesTruncated ? `Der er flere end ${c.messageLimit} beskeder; kun de nyeste er vist.` : '',
    c.auditScanTruncated ? `Kun de nyeste ${c.auditScanLimit} opslag i revisionsloggen er gennemgået.` : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Indsigt: oplysninger om en borger hos ${escapeHtml(us)}</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main>
<h1>Indsigt i oplysninger om en borger</h1>
<p>${escapeHtml(us)} Kommune (${escapeHtml(r.municipality.code)}), udskrevet ${when(r.generatedAt)}. Formål med udskriften: ${escapeHtml(r.purpose)}.</p>
<p class="hint">Efter databeskyttelsesforordningens artikel 15: de beskeder, ${escapeHtml(us)} har sendt og modtaget om borgeren, borgerens samtykker, og hvem der har set borgerens oplysninger.</p>
<h2>Beskeder sendt og modtaget (${r.messages.length})</h2>
${messages}
<h2>Samtykker (${r.consents.length})</h2>
${consents}
<h2>Modtaget under en anden kommunes samtykke (${r.receivedUnderConsent.length})</h2>
${received}
<h2>Hvem har set borgerens oplysninger (${r.lookups.length})</h2>
${lookups}
<p class="hint">Revisionsloggen gemmer aldrig CPR-numre. Et opslag knyttes til borgeren gennem de samtykker, beskeder, sager og fakturaer, det viste; et opslag, der intet viste om borgeren, kan derfor ikke findes.</p>
${limits.map((l) => `<p class="problem">${escapeHtml(l)}</p>`).join('\n')}
</main>
</body>
</html>
`;
}
