import { describe, expect, it } from 'vitest';
import { addWorkingDays, copenhagenDate, dueDate, isWorkingDay } from '../../services/gateway/src/domain/calendar.ts';

describe('Danish working days', () => {
  it('when an admission decision is made on a Friday, then 3 working days end on Wednesday', () => {
    expect(addWorkingDays('2026-11-27', 3)).toBe('2026-12-02');
  });

  it('when the clock crosses a weekend, then Saturday and Sunday do not count', () => {
    expect(addWorkingDays('2026-11-26', 2)).toBe('2026-11-30'); // Thursday + 2 → Monday
  });

  it('when Easter 2026 falls inside, then Maundy Thursday, Good Friday and Easter Monday do not count', () => {
    expect(['2026-04-02', '2026-04-03', '2026-04-06'].map(isWorkingDay)).toEqual([false, false, false]);
    expect(addWorkingDays('2026-04-01', 3)).toBe('2026-04-09'); // Wed → Tue 7, Wed 8, Thu 9
  });

  it('when Christmas falls inside, then 25 and 26 December do not count', () => {
    expect(addWorkingDays('2026-12-23', 1)).toBe('2026-12-24'); // 24 December is not a public holiday
    expect(addWorkingDays('2025-12-24', 1)).toBe('2025-12-29'); // Thu 25, Fri 26, weekend
  });

  it('when Store Bededag would have been, then it counts as a working day from 2024 but not in 2023', () => {
    expect(isWorkingDay('2023-05-05')).toBe(false);
    expect(isWorkingDay('2024-04-26')).toBe(true);
    expect(isWorkingDay('2026-05-01')).toBe(true); // 4th Friday after Easter 2026
  });

  it('when a duration is in calendar days or weeks, then holidays and weekends count', () => {
    expect(dueDate('2026-04-01', { amount: 7, unit: 'days' })).toBe('2026-04-08');
    expect(dueDate('2026-04-01', { amount: 6, unit: 'weeks' })).toBe('2026-05-13');
    expect(dueDate('2026-04-01', { amount: 3, unit: 'working-days' })).toBe('2026-04-09');
  });

  it('when an instant is late evening UTC, then the Copenhagen date is the next day', () => {
    expect(copenhagenDate(new Date('2026-06-30T22:30:00Z'))).toBe('2026-07-01');
    expect(copenhagenDate(new Date('2026-12-31T22:59:00Z'))).toBe('2026-12-31');
  });
});
