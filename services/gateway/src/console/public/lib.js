// Shared helpers: DOM building without innerHTML, the API client with the CSRF header, Danish formats.
import { explain } from './refusals.js';

export const session = { current: null };

/** h('p', {class: 'x'}, 'text', child): elements and text nodes only, never HTML strings. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.code ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && session.current) init.headers['x-csrf-token'] = session.current.csrf;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return {};
  const json = await res.json().catch(() => ({}));
  if (res.status === 401 && session.current && !path.startsWith('/session')) {
    session.current = null;
    location.hash = '#/';
    location.reload();
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** A refusal in Danish with its next step, focusable so a screen reader hears it. */
export function problemBox(error) {
  const code = error?.problem?.code ?? 'internal_error';
  const { text, next } = explain(code);
  const details = error?.problem?.errors?.map((e) => h('li', {}, `${e.pointer}: ${e.message}`));
  return h('div', { class: 'problem', role: 'alert', tabindex: '-1', 'data-code': code },
    h('p', {}, h('strong', {}, text), ' ', h('code', {}, code)),
    h('p', {}, 'Næste skridt: ', next),
    details?.length ? h('ul', {}, details) : null);
}

export function say(text) {
  const box = document.getElementById('status');
  box.replaceChildren(h('p', {}, text));
  setTimeout(() => box.replaceChildren(), 6000);
}

const tz = 'Europe/Copenhagen';
const dateTimeFmt = new Intl.DateTimeFormat('da-DK', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' });
const dateFmt = new Intl.DateTimeFormat('da-DK', { timeZone: tz, dateStyle: 'medium' });
const krFmt = new Intl.NumberFormat('da-DK', { style: 'currency', currency: 'DKK' });
export const numberDa = new Intl.NumberFormat('da-DK');

export const dateTime = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : '—');
/** A calendar date (YYYY-MM-DD) is a day in Copenhagen, not an instant: formatted at noon UTC. */
export const day = (isoDate) => (isoDate ? dateFmt.format(new Date(`${isoDate}T12:00:00Z`)) : '—');
export const kroner = (oere) => krFmt.format(oere / 100);
export const todayCph = () => new Intl.DateTimeFormat('sv-SE', { timeZone: tz }).format(new Date());
export const nowLocalInput = () => new Intl.DateTimeFormat('sv-SE', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' }).format(new Date()).replace(' ', 'T');

/** A labelled input; `name` doubles as id, so every field has a programmatic label. */
export function field(label, name, attrs = {}, hint) {
  const id = `f-${name.replace(/[^\w-]/g, '-')}`;
  const control = attrs.options
    ? h('select', { id, name, required: attrs.required }, attrs.options.map(([v, t]) => h('option', { value: v, selected: v === attrs.value }, t)))
    : attrs.type === 'textarea'
      ? h('textarea', { id, name, required: attrs.required, rows: 3 }, attrs.value ?? '')
      : h('input', { id, name, type: attrs.type ?? 'text', value: attrs.value, required: attrs.required, autocomplete: attrs.autocomplete ?? 'off', inputmode: attrs.inputmode, pattern: attrs.pattern, min: attrs.min, max: attrs.max });
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', {}, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, control);
}

export function checkboxes(legend, name, options, checked = []) {
  return h('fieldset', {}, h('legend', {}, legend),
    options.map(([v, t]) => h('div', { class: 'check' }, h('input', { type: 'checkbox', id: `f-${name}-${v}`, name, value: v, checked: checked.includes(v) }), h('label', { for: `f-${name}-${v}` }, t))));
}

export const values = (form) => {
  const data = new FormData(form);
  const out = {};
  for (const key of new Set(data.keys())) {
    const all = data.getAll(key).map(String);
    out[key] = form.querySelectorAll(`[name="${key}"][type="checkbox"]`).length ? all : all[0];
  }
  return out;
};

/** A form whose submit runs `action`; a refusal is shown above the button in Danish. */
export function actionForm(label, children, action, attrs = {}) {
  const out = h('div', { class: 'form-result' });
  const form = h('form', { novalidate: false, ...attrs }, children, out, h('div', {}, h('button', { type: 'submit' }, label)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    out.replaceChildren();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await action(values(form), form);
    } catch (error) {
      const box = problemBox(error);
      out.replaceChildren(box);
      box.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** CPR masked by default; shown only after the showing is audited on the server. */
export function cprCell(cpr, kind, id) {
  if (!cpr) return h('span', {}, '—');
  const masked = `${cpr.slice(0, 6)}-••••`;
  const text = h('span', { class: 'cpr' }, masked);
  const button = h('button', { type: 'button', class: 'link', 'aria-label': 'Vis CPR (registreres i revisionsloggen)' }, 'Vis CPR');
  button.addEventListener('click', async () => {
    try {
      await api('POST', '/session/cpr-shown', { kind, id });
      text.textContent = `${cpr.slice(0, 6)}-${cpr.slice(6)}`;
      button.remove();
    } catch (error) {
      text.after(problemBox(error));
    }
  });
  return h('span', {}, text, ' ', button);
}

export const table = (headers, rows, caption) =>
  h('table', {}, caption ? h('caption', { class: 'hint' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', class: t.startsWith('#') ? 'num' : undefined }, t.replace(/^#/, ''))))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length }, 'Intet at vise.'))));
