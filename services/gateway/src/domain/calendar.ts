import { readFileSync } from 'node:fs';
import Holidays from 'date-holidays';

// Danish working days (hverdage): Monday–Friday except public holidays, from a maintained holiday
// library (Store Bededag is gone from 2024), and the further days in
// contracts/calendar/non-working-days.json (Grundlovsdag, 24 and 31 December, each with its source).
// Deadlines are whole days in Copenhagen time.

export type IsoDate = string; // YYYY-MM-DD

export interface Duration {
  amount: number;
  unit: 'working-days' | 'days' | 'weeks';
}

interface CalendarRules {
  fixedDays: { month: number; day: number; name: string; source: string }[];
  calendarDayDeadlines: { rule: string; source: string };
  workingDayDeadlines: { rule: string; source: string };
}

function loadRules(): CalendarRules {
  const file = new URL('../../../../contracts/calendar/non-working-days.json', import.meta.url);
  const rules = JSON.parse(readFileSync(file, 'utf8')) as CalendarRules;
  const valid = (d: CalendarRules['fixedDays'][number]) => Number.isInteger(d.month) && d.month >= 1 && d.month <= 12 && Number.isInteger(d.day) && d.day >= 1 && d.day <= 31 && !!d.source;
  if (!Array.isArray(rules.fixedDays) || !rules.fixedDays.every(valid) || !rules.calendarDayDeadlines?.source || !rules.workingDayDeadlines?.source) {
    throw new Error('Contract contracts/calendar/non-working-days.json is invalid: fixedDays need month, day and source; both deadline rules need a source');
  }
  return rules;
}

export const calendarRules = loadRules();
const holidays = new Holidays('DK');
const nonWorkingByYear = new Map<number, Set<string>>();
const pad = (n: number) => String(n).padStart(2, '0');

function nonWorkingDays(year: number): Set<string> {
  let set = nonWorkingByYear.get(year);
  if (!set) {
    set = new Set(holidays.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    for (const d of calendarRules.fixedDays) set.add(`${year}-${pad(d.month)}-${pad(d.day)}`);
    nonWorkingByYear.set(year, set);
  }
  return set;
}

const copenhagen = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in Copenhagen at an instant. */
export function copenhagenDate(instant: Date): IsoDate {
  return copenhagen.format(instant);
}

export function shiftDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function isWorkingDay(date: IsoDate): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !nonWorkingDays(Number(date.slice(0, 4))).has(date);
}

/** The n-th working day after `date` (the day itself does not count). */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  let current = date;
  for (let counted = 0; counted < n; ) {
    current = shiftDays(current, 1);
    if (isWorkingDay(current)) counted++;
  }
  return current;
}

export interface DueRule {
  dueOn: IsoDate;
  /** The counted day, when it was a non-working day and the deadline moved to the next working day. */
  movedFrom?: IsoDate;
  /** How the due day was counted, with the source of the counting rule. */
  calendar: string;
}

/** The last day on which something started on `start` is on time, and how that day was found. */
export function dueRule(start: IsoDate, duration: Duration): DueRule {
  if (duration.unit === 'working-days') {
    const { rule, source } = calendarRules.workingDayDeadlines;
    return { dueOn: addWorkingDays(start, duration.amount), calendar: `${rule} (${source})` };
  }
  const counted = shiftDays(start, duration.unit === 'weeks' ? duration.amount * 7 : duration.amount);
  let dueOn = counted;
  while (!isWorkingDay(dueOn)) dueOn = shiftDays(dueOn, 1);
  const { rule, source } = calendarRules.calendarDayDeadlines;
  if (dueOn === counted) return { dueOn, calendar: `Counted in calendar days; ${rule} (${source})` };
  return { dueOn, movedFrom: counted, calendar: `${counted} is not a working day, so the deadline ends on ${dueOn}: ${rule} (${source})` };
}

/** The last day on which something started on `start` is on time. */
export function dueDate(start: IsoDate, duration: Duration): IsoDate {
  return dueRule(start, duration).dueOn;
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
