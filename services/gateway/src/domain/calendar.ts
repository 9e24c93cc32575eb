import Holidays from 'date-holidays';

// Danish working days (hverdage): Monday–Friday except public holidays, from a maintained holiday
// library (Store Bededag is gone from 2024). Deadlines are whole days in Copenhagen time.

const holidays = new Holidays('DK');
const publicHolidaysByYear = new Map<number, Set<string>>();

export type IsoDate = string; // YYYY-MM-DD

export interface Duration {
  amount: number;
  unit: 'working-days' | 'days' | 'weeks';
}

function publicHolidays(year: number): Set<string> {
  let set = publicHolidaysByYear.get(year);
  if (!set) {
    set = new Set(holidays.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    publicHolidaysByYear.set(year, set);
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
  return weekday !== 0 && weekday !== 6 && !publicHolidays(Number(date.slice(0, 4))).has(date);
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

/** The last day on which something started on `start` is on time. */
export function dueDate(start: IsoDate, duration: Duration): IsoDate {
  switch (duration.unit) {
    case 'working-days':
      return addWorkingDays(start, duration.amount);
    case 'days':
      return shiftDays(start, duration.amount);
    case 'weeks':
      return shiftDays(start, duration.amount * 7);
  }
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
