// Finance officer: invoices, each line's outcome explained, overrides with a comment, the answer, refusion, CSV.
import { actionForm, api, cprCell, day, field, h, kroner, numberDa, say, table } from '../lib.js';
import { deadlineStates, invoiceStatus, name } from '../labels.js';
import { disputeTexts } from '../refusals.js';

export async function invoicesPage(root) {
  const { invoices } = await api('GET', '/invoices');
  const rows = invoices.map((i) => h('tr', {}, h('td', {}, h('a', { href: `#/faktura/${i.id}` }, i.number)), h('td', {}, i.direction === 'in' ? 'modtaget' : 'sendt'),
    h('td', {}, `${day(i.periodFrom)} – ${day(i.periodTo)}`), h('td', { class: 'num' }, numberDa.format(i.lineCount)), h('td', { class: 'num' }, kroner(i.totalOere)),
    h('td', {}, name(invoiceStatus, i.status))));
  root.append(h('h1', {}, 'Fakturaer'), table(['Nummer', 'Retning', 'Periode', '#Linjer', '#Beløb', 'Status'], rows));
}

export async function invoicePage(root, id) {
  const inv = await api('GET', `/invoices/${encodeURIComponent(id)}`);
  // An invoice's id is its conversation's: the answer deadline is tracked there.
  const { deadlines } = await api('GET', `/deadlines?conversationId=${encodeURIComponent(inv.id)}`).catch(() => ({ deadlines: [] }));
  const due = deadlines.find((d) => d.deadline === 'invoice-answer');
  const canEdit = inv.direction === 'in' && inv.status === 'received';
  const rows = inv.lines.map((l) => {
    const outcome = l.outcome === 'accepted' ? h('span', { class: 'ok' }, 'godkendt') : l.outcome === 'disputed' ? h('span', { class: 'bad' }, 'bestridt') : '—';
    const why = l.reason ? h('p', {}, h('code', {}, l.reason), ': ', disputeTexts[l.reason] ?? '') : null;
    const edit = canEdit ? actionForm('Gem', [
      field('Udfald', `outcome-${l.lineId}`, { options: [['accepted', 'Godkend'], ['disputed', 'Bestrid']], value: l.outcome === 'accepted' ? 'disputed' : 'accepted' }),
      field('Årsag (ved bestridelse)', `reason-${l.lineId}`, { options: Object.entries(disputeTexts).map(([k, t]) => [k, t]) }),
      field('Kommentar', `comment-${l.lineId}`, { required: true }),
    ], async (v) => {
      const outcome = v[`outcome-${l.lineId}`];
      await api('POST', `/invoices/${inv.id}/lines/${encodeURIComponent(l.lineId)}/override`, { outcome, comment: v[`comment-${l.lineId}`], ...(outcome === 'disputed' ? { reason: v[`reason-${l.lineId}`] } : {}) });
      say('Linjen er ændret.');
      window.dispatchEvent(new Event('kb:refresh'));
    }, { class: 'override', 'aria-label': `Ændr linje ${l.lineId}` }) : null;
    return h('tr', { 'data-line': l.lineId }, h('td', {}, l.lineId), h('td', {}, l.citizen.name, ' ', cprCell(l.citizen.cpr, 'invoice', inv.id)),
      h('td', {}, `${day(l.firstDay)} – ${day(l.lastDay)}`), h('td', { class: 'num' }, numberDa.format(l.days)), h('td', { class: 'num' }, kroner(l.dailyRateOere)),
      h('td', { class: 'num' }, kroner(l.amountOere)), h('td', { class: 'outcome' }, outcome, why, l.comment ? h('p', {}, `Kommentar: ${l.comment}`) : null), h('td', {}, edit ?? '—'));
  });
  const f = inv.figures ?? {};
  const figures = h('div', { class: 'cards' },
    h('div', { class: 'card' }, h('h2', {}, 'Godkendt'), h('p', {}, kroner(f.acceptedOere ?? 0))),
    h('div', { class: 'card' }, h('h2', {}, 'Bestridt'), h('p', {}, kroner(f.disputedOere ?? 0))),
    f.estimatedStateRefusionOere !== undefined ? h('div', { class: 'card' }, h('h2', {}, 'Forventet statsrefusion'), h('p', {}, kroner(f.estimatedStateRefusionOere)),
      h('p', { class: 'hint' }, '50 % af godkendte § 110-udgifter, højst 90 dage pr. borger pr. år.')) : null,
    f.netCostOere !== undefined ? h('div', { class: 'card' }, h('h2', {}, 'Nettoudgift'), h('p', {}, kroner(f.netCostOere))) : null);
  const answer = canEdit ? actionForm('Send svar på fakturaen', [h('p', {}, 'Svaret sender hver linjes udfald til herbergets kommune. Fristen er 30 dage.')], async () => {
    await api('POST', `/invoices/${inv.id}/answer`, {});
    say('Svaret er sendt.');
    window.dispatchEvent(new Event('kb:refresh'));
  }, { id: 'answer-invoice' }) : null;
  root.append(h('h1', {}, `Faktura ${inv.number}`),
    h('p', {}, `${inv.direction === 'in' ? 'Modtaget' : 'Sendt'} · periode ${day(inv.periodFrom)} – ${day(inv.periodTo)} · status: `, h('strong', { id: 'invoice-status' }, name(invoiceStatus, inv.status)),
      due ? h('span', { class: due.state }, ` · svarfrist ${day(due.dueOn)} (${name(deadlineStates, due.state)})`) : null),
    figures,
    h('p', {}, h('a', { class: 'button secondary', href: `/invoices/${inv.id}?format=csv`, download: `${inv.number}.csv`, id: 'csv' }, 'Hent som CSV (Excel)')),
    h('h2', {}, 'Linjer'), table(['Linje', 'Borger', 'Dage', '#Antal', '#Døgntakst', '#Beløb', 'Udfald', 'Ændr'], rows), answer);
}
