// The console's entry: login (token or work account), the menu for the caller's role, and routing.
import { api, dateTime, h, problemBox, session } from './lib.js';
import { roleNames, typeNames } from './labels.js';
import { explain } from './refusals.js';

const pages = {
  outreach: [['#/samtykke', 'Samtykke', 'outreach'], ['#/underret', 'Send underretning', 'outreach'], ['#/fulgte', 'Mine underretninger', 'outreach']],
  shelter: [['#/optag', 'Ny optagelse', 'shelter'], ['#/ophold', 'Aktuelle ophold', 'shelter']],
  caseworker: [['#/indbakke', 'Indbakke', 'caseworker'], ['#/samtykke', 'Samtykke', 'outreach']],
  finance: [['#/fakturaer', 'Fakturaer', 'finance']],
  admin: [['#/noegler', 'Partnernøgler', 'admin'], ['#/tokens', 'Nøgler til systemer', 'admin'], ['#/doede-breve', 'Afviste beskeder', 'admin'], ['#/kontrol', 'Kontrol og sundhed', 'admin']],
};

const loaders = {
  samtykke: () => import('./pages/outreach.js').then((m) => m.consentPage),
  underret: () => import('./pages/outreach.js').then((m) => m.noticePage),
  fulgte: () => import('./pages/outreach.js').then((m) => m.followPage),
  optag: () => import('./pages/shelter.js').then((m) => m.admissionPage),
  ophold: () => import('./pages/shelter.js').then((m) => m.staysPage),
  indbakke: () => import('./pages/caseworker.js').then((m) => m.inboxPage),
  samtale: () => import('./pages/timeline.js').then((m) => m.conversationPage),
  fakturaer: () => import('./pages/finance.js').then((m) => m.invoicesPage),
  faktura: () => import('./pages/finance.js').then((m) => m.invoicePage),
  noegler: () => import('./pages/admin.js').then((m) => m.keysPage),
  tokens: () => import('./pages/admin.js').then((m) => m.tokensPage),
  'doede-breve': () => import('./pages/admin.js').then((m) => m.deadLettersPage),
  kontrol: () => import('./pages/admin.js').then((m) => m.checksPage),
};

const main = () => document.getElementById('main');

async function loginPage() {
  document.title = 'Log ind – Kommunebro';
  document.getElementById('nav').replaceChildren();
  document.getElementById('who').replaceChildren();
  const options = await api('GET', '/session/login-options');
  document.getElementById('where').textContent = `· ${options.municipality.name} Kommune`;
  const failed = new URLSearchParams(location.search).get('fejl');
  const tokenInput = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off' });
  const out = h('div');
  const form = h('form', {}, h('div', {}, h('label', { for: 'token' }, 'Adgangsnøgle'), h('p', { class: 'hint', id: 'token-hint' }, 'Til udvikling og systemer. Nøglen sendes én gang og gemmes ikke i browseren.'), tokenInput),
    out, h('div', {}, h('button', { type: 'submit' }, 'Log ind med nøgle')));
  tokenInput.setAttribute('aria-describedby', 'token-hint');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      session.current = await api('POST', '/session/token', { token: tokenInput.value });
      tokenInput.value = '';
      history.replaceState(null, '', '/');
      start();
    } catch (error) {
      out.replaceChildren(problemBox(error));
      out.firstChild.focus();
    }
  });
  const failure = failed ? explain(failed) : undefined;
  main().replaceChildren(h('section', { class: 'login' },
    h('h1', {}, 'Log ind'),
    failure ? h('div', { class: 'problem', role: 'alert' }, h('p', {}, h('strong', {}, failure.text)), h('p', {}, 'Næste skridt: ', failure.next)) : null,
    options.oidc ? h('p', {}, h('a', { class: 'button', href: '/session/oidc/login', id: 'oidc-login' }, 'Log ind med din arbejdskonto')) : null,
    options.oidc ? h('h2', {}, 'Eller med en adgangsnøgle') : null,
    form));
}

function shell() {
  const s = session.current;
  document.getElementById('where').textContent = `· ${s.municipality.name} Kommune`;
  const logout = h('button', { type: 'button', class: 'secondary', id: 'logout' }, 'Log ud');
  logout.addEventListener('click', async () => {
    await api('POST', '/session/logout').catch(() => undefined);
    session.current = null;
    location.hash = '';
    loginPage();
  });
  document.getElementById('who').replaceChildren(h('span', {}, `${s.name} · ${roleNames[s.role] ?? s.role}`), logout);
  const links = (pages[s.role] ?? []).map(([href, text]) => h('li', {}, h('a', { href }, text)));
  document.getElementById('nav').replaceChildren(h('ul', {}, links));
}

async function route() {
  if (!session.current) return;
  const [, page = '', ...rest] = location.hash.split('/');
  const first = pages[session.current.role]?.[0]?.[0] ?? '#/';
  if (!page || !loaders[page]) return void (location.hash = first);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${page}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const render = await loaders[page]();
  const container = h('div');
  try {
    await render(container, ...rest.map(decodeURIComponent));
  } catch (error) {
    container.replaceChildren(h('h1', {}, 'Noget gik galt'), problemBox(error));
  }
  const warning = await undeliveredWarning();
  if (warning) container.prepend(warning);
  main().replaceChildren(container);
  const heading = container.querySelector('h1');
  document.title = `${heading?.textContent ?? 'Kommunebro'} – Kommunebro`;
  main().focus();
}

/** Sent messages no partner has acknowledged in time (use-cases/delivery-watch.ts), on every page until they are. */
async function undeliveredWarning() {
  const { messages = [] } = await api('GET', '/messages?direction=out&status=undelivered&limit=20').catch(() => ({}));
  if (messages.length === 0) return null;
  const text = explain('no_receipt');
  const { municipalities } = await import('./pages/reference.js').then((m) => m.reference());
  const muni = (code) => municipalities.find((m) => m.code === code)?.name ?? code;
  return h('div', { class: 'problem', role: 'status', id: 'undelivered' },
    h('p', {}, h('strong', {}, messages.length === 1 ? 'En sendt besked er ikke leveret endnu.' : `${messages.length} sendte beskeder er ikke leveret endnu.`), ' ', text.text),
    h('ul', {}, messages.map((m) => h('li', {}, h('a', { href: `#/samtale/${encodeURIComponent(m.conversationId)}` }, `${typeNames[m.type] ?? m.type} til ${muni(m.to)} Kommune`), ` · ${dateTime(m.createdAt)}`))),
    h('p', {}, 'Næste skridt: ', text.next));
}

async function start() {
  try {
    session.current = await api('GET', '/session');
  } catch {
    session.current = null;
    return loginPage();
  }
  shell();
  await route();
}

window.addEventListener('hashchange', () => void route());
window.addEventListener('kb:refresh', () => void route());
void start();
