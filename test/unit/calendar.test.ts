import { describe, expect, it } from 'vitest';
import { addWorkingDays, copenhagenDate, dueDate, dueRule, isWorkingDay } from '../../services/gateway/src/domain/calendar.ts';

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

  it('when Christmas falls inside, then 24, 25 and 26 December do not count (Forældelsesloven § 27 stk. 2)', () => {
    expect(addWorkingDays('2026-12-23', 1)).toBe('2026-12-28'); // Thu 24, Fri 25, weekend
    expect(addWorkingDays('2025-12-23', 1)).toBe('2025-12-29'); // Wed 24, Thu 25, Fri 26, weekend
    expect(['2026-12-24', '2026-12-31', '2026-06-05', '2025-06-05'].map(isWorkingDay)).toEqual([false, false, false, false]);
  });

  it('when New Year or Grundlovsdag falls inside, then 31 December, 1 January and 5 June do not count', () => {
    expect(addWorkingDays('2026-12-30', 1)).toBe('2027-01-04'); // Thu 31, Fri 1, weekend
    expect(addWorkingDays('2026-06-04', 1)).toBe('2026-06-08'); // Grundlovsdag on a Friday
    expect(addWorkingDays('2027-06-04', 1)).toBe('2027-06-07'); // Grundlovsdag on a Saturday changes nothing
    expect(isWorkingDay('2026-12-30')).toBe(true);
    expect(isWorkingDay('2026-06-04')).toBe(true);
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

  it('when a calendar-day deadline ends on a non-working day, then it moves to the next working day (vejledning nr. 9533 af 26/6/2018)', () => {
    expect(dueDate('2026-12-01', { amount: 30, unit: 'days' })).toBe('2027-01-04'); // 31 December
    expect(dueDate('2026-12-17', { amount: 7, unit: 'days' })).toBe('2026-12-28'); // 24 December
    expect(dueDate('2026-04-24', { amount: 6, unit: 'weeks' })).toBe('2026-06-08'); // Grundlovsdag, a Friday
    expect(dueDate('2026-03-30', { amount: 7, unit: 'days' })).toBe('2026-04-07'); // Easter Monday
    expect(dueDate('2026-01-03', { amount: 120, unit: 'days' })).toBe('2026-05-04'); // a Sunday
    expect(dueDate('2026-12-02', { amount: 30, unit: 'days' })).toBe('2027-01-04'); // 1 January, then a weekend
    expect(dueDate('2026-11-30', { amount: 30, unit: 'days' })).toBe('2026-12-30'); // a Wednesday: unchanged
  });

  it('when a due day moved, then the deadline says from which day and by which rule', () => {
    const moved = dueRule('2026-12-01', { amount: 30, unit: 'days' });
    expect(moved).toMatchObject({ dueOn: '2027-01-04', movedFrom: '2026-12-31' });
    expect(moved.calendar).toContain('2026-12-31 is not a working day, so the deadline ends on 2027-01-04');
    expect(moved.calendar).toContain('Justitsministeriets vejledning nr. 9533 af 26/6/2018');
    const kept = dueRule('2026-11-30', { amount: 30, unit: 'days' });
    expect(kept.movedFrom).toBeUndefined();
    expect(dueRule('2026-12-23', { amount: 1, unit: 'working-days' }).calendar).toContain('Forældelsesloven § 27 stk. 2');
  });

  it('when an instant is late evening UTC, then the Copenhagen date is the next day', () => {
    expect(copenhagenDate(new Date('2026-06-30T22:30:00Z'))).toBe('2026-07-01');
    expect(copenhagenDate(new Date('2026-12-31T22:59:00Z'))).toBe('2026-12-31');
  });
});
