import { shiftDays, type IsoDate } from './calendar.ts';

// State refusion of § 110 costs, per rolling year from the citizen's first admission, with limits
// that change on dated days. The rule is data: contracts/rules/section-110.json.

export interface RefusionLimit {
  validFrom: IsoDate;
  validTo?: IsoDate;
  maxDaysPerRollingYear: number;
  source: string;
}

export interface StateRefusionRule {
  shareNumerator: number;
  shareDenominator: number;
  period: 'rolling-year-from-first-admission';
  limits: RefusionLimit[];
  source: string;
}

/** Days of stay of one citizen: from the stay's admission to the last billed day. */
export interface StayDays {
  cpr: string;
  admissionDate: IsoDate;
  firstDay: IsoDate;
  lastDay: IsoDate;
}

export function limitOn(rule: StateRefusionRule, day: IsoDate): RefusionLimit | undefined {
  return rule.limits.find((l) => l.validFrom <= day && (!l.validTo || day <= l.validTo));
}

/** The last day of the year that starts on `start` (2026-10-01 → 2027-09-30; 2028-02-29 → 2029-02-28, the anniversary being 1 March). */
export function yearEnd(start: IsoDate): IsoDate {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return shiftDays(d.toISOString().slice(0, 10), -1);
}

/**
 * The refundable days of stay of each citizen. A year starts on the citizen's first known day of
 * stay; when it has ended, the next starts on the next day of stay. A day is refundable when fewer
 * days of stay than the limit valid on that day came before it in its year.
 */
export function refundableDays(stays: StayDays[], rule: StateRefusionRule): Map<string, Set<IsoDate>> {
  const daysOf = new Map<string, Set<IsoDate>>();
  for (const s of stays) {
    const days = daysOf.get(s.cpr) ?? new Set<IsoDate>();
    for (let day = s.admissionDate < s.firstDay ? s.admissionDate : s.firstDay; day <= s.lastDay; day = shiftDays(day, 1)) days.add(day);
    daysOf.set(s.cpr, days);
  }
  const refundable = new Map<string, Set<IsoDate>>();
  for (const [cpr, days] of daysOf) {
    const result = new Set<IsoDate>();
    let end = '';
    let used = 0;
    for (const day of [...days].sort()) {
      if (day > end) {
        end = yearEnd(day);
        used = 0;
      }
      const limit = limitOn(rule, day);
      if (limit && used < limit.maxDaysPerRollingYear) result.add(day);
      used++;
    }
    refundable.set(cpr, result);
  }
  return refundable;
}

/** How many days of [firstDay, lastDay] are refundable for the citizen. */
export function countRefundable(refundable: Map<string, Set<IsoDate>>, cpr: string, firstDay: IsoDate, lastDay: IsoDate): number {
  let n = 0;
  for (const day of refundable.get(cpr) ?? []) if (firstDay <= day && day <= lastDay) n++;
  return n;
}
