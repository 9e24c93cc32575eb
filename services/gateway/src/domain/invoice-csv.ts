import { stringify } from 'csv-stringify/sync';
import type { ReconciledLine } from './invoicing.ts';

// CSV that opens correctly in Danish Excel: semicolon separator, decimal comma, UTF-8 with BOM,
// CRLF. The CPR number is written DDMMYY-SSSS so Excel keeps it as text (as a bare number it
// would drop a leading zero). Any text cell starting with = + - @ (or tab / CR) is prefixed with
// an apostrophe so Excel never runs it as a formula; our own numbers are not text cells.

const header = [
  'Faktura', 'Periode fra', 'Periode til', 'Linje', 'CPR', 'Navn', 'Herberg', 'Ophold', 'Første dag', 'Sidste dag', 'Dage',
  'Døgntakst (kr.)', 'Egenbetaling (kr.)', 'Beløb (kr.)', 'Udfald', 'Årsag', 'Kommentar',
];

const outcomes: Record<string, string> = { accepted: 'godkendt', disputed: 'bestridt' };

/** Exact kroner from integer øre, with a decimal comma and no thousands separator. */
export const kronerDa = (oere: number) =>
  `${oere < 0 ? '-' : ''}${Math.trunc(Math.abs(oere) / 100)},${String(Math.abs(oere) % 100).padStart(2, '0')}`;

export const neutralise = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

const cpr = (value: string) => (/^\d{10}$/.test(value) ? `${value.slice(0, 6)}-${value.slice(6)}` : value);

export function invoiceCsv(invoice: { number: string; periodFrom: string; periodTo: string; lines: ReconciledLine[] }): string {
  const t = (v: string | undefined | null) => neutralise(v ?? '');
  const rows = invoice.lines.map((l) => [
    t(invoice.number), invoice.periodFrom, invoice.periodTo, t(l.lineId), t(cpr(l.citizen.cpr)), t(l.citizen.name), t(l.shelterId),
    t(l.stayConversationId), l.firstDay, l.lastDay, String(l.days), kronerDa(l.dailyRateOere), kronerDa(l.ownPaymentOere),
    kronerDa(l.amountOere), t(outcomes[l.outcome ?? ''] ?? l.outcome), t(l.reason), t(l.comment),
  ]);
  return stringify([header, ...rows], { delimiter: ';', bom: true, record_delimiter: 'windows', quoted_match: /[;"\r\n]/ });
}
