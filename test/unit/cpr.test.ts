import { describe, expect, it } from 'vitest';
import { isPlausibleCpr } from '../../services/gateway/src/domain/cpr.ts';

describe('CPR plausibility', () => {
  it.each(['0101801234', '3112999999', '2902004000', '0101001234'])('when %s has a real date, then it is plausible', (cpr) => {
    expect(isPlausibleCpr(cpr)).toBe(true);
  });

  it('when a number fails modulus 11, then it is still plausible (issued since 2007)', () => {
    // 0101801234: 0*4+1*3+0*2+1*7+8*6+0*5+1*4+2*3+3*2+4*1 = 78, not divisible by 11.
    expect(isPlausibleCpr('0101801234')).toBe(true);
  });

  it.each([
    ['3213801234', 'month 13'],
    ['3204801234', 'April 32'],
    ['3104801234', 'April 31'],
    ['0001801234', 'day 0'],
    ['2902011234', '29 February 1901'],
    ['2902014000', '29 February 2001'],
    ['010180123', 'nine digits'],
    ['010180-1234', 'with a dash'],
    ['abcdefghij', 'letters'],
  ])('when %s (%s), then it is not plausible', (cpr) => {
    expect(isPlausibleCpr(cpr)).toBe(false);
  });

  it('when the 7th digit places 29 February in a leap century, then it is plausible', () => {
    expect(isPlausibleCpr('2902004000')).toBe(true); // 2000, digit 4, yy 00
    expect(isPlausibleCpr('2902961234')).toBe(true); // 1996
  });
});
