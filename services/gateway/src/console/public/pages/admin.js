// Admin: partner keys by state with the read-aloud fingerprint, tokens, dead letters with replay, checks (with the last log checkpoint).
import { actionForm, api, dateTime, field, h, problemBox, say, table } from '../lib.js';
import { keyStates, name, roleNames, typeNames } from '../labels.js';
import { explain } from '../refusals.js';

const refresh = () => window.dispatchEvent(new Event('kb:refresh'));

function button(text, action, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await action();
    } catch (error) {
      b.after(problemBox(error));
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

export async function keysPage(root) {
  const { own, partners } = await api('GET', '/admin/keys');
  const order = ['pending', 'pending-rotation', 'active', 'retired', 'revoked'];
  const sections = order.map((state) => {
    const keys = partners.filter((k) => k.status === state);
    if (!keys.length) return null;
    return [h('h2', {}, `${name(keyStates, state)} (${keys.length})`), table(['Kommune', 'Nøgle-id', 'Fingeraftryk', 'Udløber', 'Handling'], keys.map((k) => h('tr', { 'data-kid': k.kid },
      h('td', {}, k.municipality), h('td', {}, h('code', {}, k.kid)), h('td', { class: 'fingerprint' }, k.fingerprint), h('td', {}, dateTime(k.expiresAt)),
      h('td', {},
        state.startsWith('pending') ? button('Godkend', async () => { await api('POST', `/admin/keys/${encodeURIComponent(k.kid)}/approve`); say('Nøglen er godkendt.'); refresh(); }, { 'aria-label': `Godkend nøgle ${k.kid}` }) : null,
        state === 'active' || state.startsWith('pending') ? actionForm('Tilbagekald', [field('Begrundelse', `reason-${k.kid}`, { required: true })], async (v) => {
          await api('POST', `/admin/keys/${encodeURIComponent(k.kid)}/revoke`, { reason: v[`reason-${k.kid}`] }); say('Nøglen er tilbagekaldt.'); refresh();
        }) : k.reason ?? '—'))))];
  });
  const importForm = actionForm('Importér (afventer godkendelse)', [
    field('Kommunekode', 'municipality', { required: true, inputmode: 'numeric' }), field('Nøgle (JWK eller JWKS, JSON)', 'jwks', { type: 'textarea', required: true }),
  ], async (v) => {
    let parsed;
    try { parsed = JSON.parse(v.jwks); } catch { throw { problem: { code: 'body_malformed' } }; }
    await api('POST', '/admin/keys', { municipality: v.municipality, ...(parsed.keys ? { jwks: parsed } : { jwk: parsed }) });
    say('Nøglen er importeret; sammenlign fingeraftrykket i telefonen, før du godkender.');
    refresh();
  });
  root.append(h('h1', {}, 'Partnernøgler'),
    h('p', {}, 'Vores nøgle ', h('code', {}, own.current), ': ', h('span', { class: 'fingerprint', id: 'own-fingerprint' }, own.fingerprint)),
    h('p', {}, 'Vores krypteringsnøgle ', h('code', {}, own.encryption.current), ': ', h('span', { class: 'fingerprint', id: 'own-encryption-fingerprint' }, own.encryption.fingerprint)),
    h('p', { class: 'hint' }, 'Læs fingeraftrykket op for partnerens administrator i telefonen, gruppe for gruppe, før en nøgle godkendes.'),
    button('Skift vores nøgle', async () => { const r = await api('POST', '/admin/keys/rotate'); say(`Ny nøgle ${r.kid} tager over ${dateTime(r.validFrom)}.`); refresh(); }, { class: 'secondary' }),
    ...sections.flat().filter(Boolean), h('h2', {}, 'Importér en partners nøgle'), importForm);
}

export async function tokensPage(root) {
  const { tokens } = await api('GET', '/admin/tokens');
  const shown = h('div', { 'aria-live': 'polite' });
  const create = actionForm('Opret nøgle', [
    field('Rolle', 'role', { options: Object.entries(roleNames) }), field('Navn', 'label', { required: true }), field('Gyldig i dage', 'days', { type: 'number', value: 90, min: 1, max: 730 }),
  ], async (v) => {
    const t = await api('POST', '/admin/tokens', { role: v.role, label: v.label, expiresInDays: Number(v.days) });
    shown.replaceChildren(h('div', { class: 'card' }, h('p', {}, 'Nøglen vises kun denne ene gang:'), h('p', {}, h('code', { id: 'new-token' }, t.token))));
  });
  root.append(h('h1', {}, 'Nøgler til systemer og udvikling'), create, shown,
    table(['Navn', 'Rolle', 'Oprettet', 'Udløber', 'Status', 'Handling'], tokens.map((t) => h('tr', {}, h('td', {}, t.label), h('td', {}, name(roleNames, t.role)),
      h('td', {}, dateTime(t.createdAt)), h('td', {}, dateTime(t.expiresAt)), h('td', {}, t.revokedAt ? `tilbagekaldt ${dateTime(t.revokedAt)}` : 'aktiv'),
      h('td', {}, t.revokedAt ? '—' : button('Tilbagekald', async () => { await api('POST', `/admin/tokens/${t.id}/revoke`); refresh(); }, { 'aria-label': `Tilbagekald ${t.label}` }))))));
}

export async function deadLettersPage(root) {
  const { byCode, deadLetters } = await api('GET', '/admin/dead-letters');
  root.append(h('h1', {}, 'Afviste beskeder'), h('p', { class: 'hint' }, 'Beskeder, noden har afvist, med afvisningskoden. Indholdet vises ikke. Ret årsagen, og genafspil beskeden.'));
  if (!deadLetters.length) root.append(h('p', {}, 'Ingen afviste beskeder.'));
  for (const code of Object.keys(byCode).sort()) {
    const e = explain(code);
    root.append(h('h2', {}, `${code} (${byCode[code]})`), h('p', {}, e.text, ' Næste skridt: ', e.next),
      table(['Besked', 'Type', 'Fra', 'Oprettet', 'Afvist', 'Detalje', 'Handling'], deadLetters.filter((d) => d.code === code).map((d) => h('tr', { 'data-id': d.id },
        h('td', {}, h('code', {}, d.id)), h('td', {}, name(typeNames, d.type)), h('td', {}, d.from ?? '—'), h('td', {}, dateTime(d.createdAt)), h('td', {}, dateTime(d.deadLetteredAt)),
        h('td', {}, d.detail), h('td', {}, button('Genafspil', async () => { await api('POST', `/admin/dead-letters/${d.id}/replay`); say('Beskeden er lagt tilbage i indbakken.'); refresh(); }, { 'aria-label': `Genafspil ${d.id}` }))))));
  }
}

export async function checksPage(root) {
  const health = await fetch('/health').then((r) => r.json());
  const [checkpoint] = (await api('GET', '/checkpoints')).checkpoints;
  const result = h('div', { 'aria-live': 'polite' });
  const verify = (what, path) => button(`Kontrollér ${what}`, async () => {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    const report = await res.json();
    result.replaceChildren(h('p', { class: report.ok ? 'ok' : 'bad', id: 'verify-result' }, report.ok ? `${what}: kæden er hel (${report.entries} poster).` : `${what}: kæden er brudt ved post ${report.firstBroken?.seq ?? '?'}.`));
  }, { class: 'secondary' });
  const alerts = health.alerts ?? {};
  const alertItems = [
    ...(alerts.keysExpiringSoon ?? []).map((a) => h('li', {}, `Nøgle ${a.kid} (${a.municipality}) udløber ${dateTime(a.expiresAt)}: bed partneren om en ny.`)),
    ...(alerts.keysPendingTooLong ?? []).map((a) => h('li', {}, `Nøgle ${a.kid} (${a.municipality}) har ventet på godkendelse siden ${dateTime(a.since)}: ring til partneren og sammenlign fingeraftrykket.`)),
  ];
  root.append(h('h1', {}, 'Kontrol og sundhed'),
    h('p', {}, 'Noden: ', h('strong', { class: health.status === 'up' ? 'ok' : 'bad' }, health.status === 'up' ? 'kører' : 'fejl'),
      ` · database ${health.checks.database === 'up' ? 'ok' : 'nede'} · broker ${health.checks.broker === 'up' ? 'ok' : 'nede'}`),
    h('h2', {}, 'Nøglealarmer'), alertItems.length ? h('ul', {}, alertItems) : h('p', {}, 'Ingen alarmer.'),
    h('h2', {}, 'Revisions- og samtykkelog'),
    h('p', { id: 'checkpoint-status' }, checkpoint
      ? `Seneste kontrolpunkt ${dateTime(checkpoint.at)}: revisionsloggen til post ${checkpoint.audit.seq}, samtykkeloggen til post ${checkpoint.consent.seq} — signeret af noden og sendt til partnerne, som gemmer det.`
      : 'Intet kontrolpunkt endnu: noden signerer logenes hoveder, når der er logget noget.'),
    h('p', {}, verify('Revisionsloggen', '/audit/verify'), ' ', verify('Samtykkeloggen', '/consents/verify')), result);
}
