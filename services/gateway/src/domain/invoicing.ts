import { daysBetween, type IsoDate } from './calendar.ts';
import type { Agreement } from './contracts.ts';
import { countRefundable, refundableDays, type StateRefusionRule } from './refusion.ts';

// Stay invoicing in integer øre: no binary fractions anywhere. Both the admission day and the
// discharge day are billed, so a discharge on the admission day is one day.

export interface Stay {
  conversationId: string;
  citizen: { cpr: string; name: string };
  shelterId: string;
  shelterMunicipality: string;
  handlingMunicipality: string;
  admissionDate: IsoDate;
  dischargeDate: IsoDate | null;
  /** After a change of handling municipality: the first and last day this municipality pays (domain/billable-stays.ts). */
  billFrom?: IsoDate;
  billTo?: IsoDate;
}

export interface InvoiceLine {
  lineId: string;
  citizen: { cpr: string; name: string };
  shelterId: string;
  stayConversationId: string;
  admissionDate: IsoDate;
  dischargeDate?: IsoDate;
  firstDay: IsoDate;
  lastDay: IsoDate;
  days: number;
  dailyRateOere: number;
  ownPaymentOere: number;
  amountOere: number;
}

export const disputeReasons = ['unknown_stay', 'days_outside_stay', 'rate_mismatch', 'duplicate_line', 'not_our_citizen', 'overlaps_earlier_invoice'] as const;
export type DisputeReason = (typeof disputeReasons)[number];

export interface LineOutcome {
  outcome: 'accepted' | 'disputed';
  reason?: DisputeReason;
  comment?: string;
  overriddenBy?: string;
}

export type ReconciledLine = InvoiceLine & Partial<LineOutcome>;

export interface Section110Rules {
  ownPaymentPerDayOere: number;
  stateRefusion: StateRefusionRule;
}

const inclusiveDays = (from: IsoDate, to: IsoDate) => daysBetween(from, to) + 1;
const maxDate = (a: IsoDate, b: IsoDate) => (a > b ? a : b);
const minDate = (a: IsoDate, b: IsoDate) => (a < b ? a : b);

/** The agreed daily rate of a shelter on a day, or undefined when the agreement has none. */
export function dailyRate(agreement: Agreement | undefined, shelterId: string, day: IsoDate): number | undefined {
  return agreement?.dailyRates?.find((r) => r.shelterId === shelterId && r.validFrom <= day && (!r.validTo || day <= r.validTo))?.rateOere;
}

/** One line per stay that overlaps the period, billed for the days inside both. */
export function composeLines(stays: Stay[], periodFrom: IsoDate, periodTo: IsoDate, rateOf: (stay: Stay, day: IsoDate) => number | undefined, ownPaymentPerDayOere: number, netOwnPayment: boolean): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  for (const stay of stays) {
    const firstDay = maxDate(stay.billFrom ?? stay.admissionDate, periodFrom);
    const lastDay = minDate(minDate(stay.billTo ?? periodTo, stay.dischargeDate ?? periodTo), periodTo);
    if (firstDay > lastDay) continue;
    const rate = rateOf(stay, firstDay);
    if (rate === undefined) throw new Error(`no daily rate for shelter ${stay.shelterId} on ${firstDay}`);
    const days = inclusiveDays(firstDay, lastDay);
    const ownPaymentOere = netOwnPayment ? days * ownPaymentPerDayOere : 0;
    lines.push({
      lineId: String(lines.length + 1),
      citizen: stay.citizen,
      shelterId: stay.shelterId,
      stayConversationId: stay.conversationId,
      admissionDate: stay.admissionDate,
      ...(stay.dischargeDate ? { dischargeDate: stay.dischargeDate } : {}),
      firstDay,
      lastDay,
      days,
      dailyRateOere: rate,
      ownPaymentOere,
      amountOere: days * rate - ownPaymentOere,
    });
  }
  return lines;
}

const overlaps = (a: { firstDay: IsoDate; lastDay: IsoDate }, b: { firstDay: IsoDate; lastDay: IsoDate }) => a.firstDay <= b.lastDay && b.firstDay <= a.lastDay;

/**
 * Matches every line to a stay the paying municipality was told about by `sender`, and accepts it
 * or disputes it with the first reason that applies.
 */
export function reconcileLines(
  lines: InvoiceLine[],
  stays: Stay[],
  earlierAccepted: InvoiceLine[],
  rateOf: (shelterId: string, day: IsoDate) => number | undefined,
): LineOutcome[] {
  const seen: InvoiceLine[] = [];
  const knownCitizens = new Set(stays.map((s) => s.citizen.cpr));
  return lines.map((line) => {
    const dispute = (reason: DisputeReason): LineOutcome => ({ outcome: 'disputed', reason });
    const same = (l: InvoiceLine) => l.stayConversationId === line.stayConversationId && overlaps(l, line);
    const duplicate = seen.some(same);
    seen.push(line);
    if (duplicate) return dispute('duplicate_line');
    const stay = stays.find((s) => s.conversationId === line.stayConversationId);
    if (!stay) return dispute(knownCitizens.has(line.citizen.cpr) ? 'unknown_stay' : 'not_our_citizen');
    if (stay.citizen.cpr !== line.citizen.cpr) return dispute('not_our_citizen');
    if (earlierAccepted.some(same)) return dispute('overlaps_earlier_invoice');
    const last = minDate(stay.billTo ?? line.lastDay, stay.dischargeDate ?? line.lastDay);
    const outside = line.firstDay < (stay.billFrom ?? stay.admissionDate) || line.lastDay > last || line.firstDay > line.lastDay;
    if (outside || line.days !== inclusiveDays(line.firstDay, line.lastDay)) return dispute('days_outside_stay');
    const rate = rateOf(line.shelterId, line.firstDay);
    if (rate === undefined || rate !== line.dailyRateOere || line.amountOere !== line.days * line.dailyRateOere - line.ownPaymentOere) return dispute('rate_mismatch');
    return { outcome: 'accepted' };
  });
}

export interface InvoiceFigures {
  acceptedOere: number;
  disputedOere: number;
  /** Days of accepted lines that the state refunds (see domain/refusion.ts). */
  refundableDays: number;
  /** Share of accepted § 110 costs for the refundable days (rule in contracts/rules/section-110.json). */
  estimatedStateRefusionOere: number;
  netCostOere: number;
  refusionRule: string;
}

/**
 * Figures for the paying municipality. `history` holds the accepted lines of its other invoices:
 * their days of stay count toward each citizen's rolling year before this invoice's days do.
 */
export function invoiceFigures(lines: ReconciledLine[], rules: Section110Rules, history: InvoiceLine[] = []): InvoiceFigures {
  const { shareNumerator, shareDenominator, source } = rules.stateRefusion;
  const accepted = lines.filter((l) => l.outcome === 'accepted');
  const stayDays = [...history, ...accepted].map((l) => ({ cpr: l.citizen.cpr, admissionDate: l.admissionDate, firstDay: l.firstDay, lastDay: l.lastDay }));
  const refundable = refundableDays(stayDays, rules.stateRefusion);
  let acceptedOere = 0;
  let disputedOere = 0;
  let days = 0;
  let refusion = 0;
  for (const line of lines) {
    if (line.outcome !== 'accepted') {
      disputedOere += line.amountOere;
      continue;
    }
    acceptedOere += line.amountOere;
    const counted = countRefundable(refundable, line.citizen.cpr, line.firstDay, line.lastDay);
    days += counted;
    // Integer arithmetic: the share of the line's amount for the counted days, rounded down to whole øre.
    refusion += Math.floor((line.amountOere * counted * shareNumerator) / (line.days * shareDenominator));
  }
  return { acceptedOere, disputedOere, refundableDays: days, estimatedStateRefusionOere: refusion, netCostOere: acceptedOere - refusion, refusionRule: source };
}
