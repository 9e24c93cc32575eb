import { describe, expect, it } from 'vitest';
import { composeLines, invoiceFigures, reconcileLines, type InvoiceLine, type Stay } from '../../services/gateway/src/domain/invoicing.ts';
import { Contracts } from '../../services/gateway/src/domain/contracts.ts';
import { yearEnd } from '../../services/gateway/src/domain/refusion.ts';

const jens = { cpr: '0101801234', name: 'Jens Jensen' };
const stay = (over: Partial<Stay> = {}): Stay => ({
  conversationId: 'c-1', citizen: jens, shelterId: 'solvang', shelterMunicipality: '161', handlingMunicipality: '165', admissionDate: '2026-10-20', dischargeDate: null, ...over,
});
const rate = () => 145000;
const rules = new Contracts().section110;

describe('composing invoice lines', () => {
  it('when a stay began before the period and goes on, then the whole period is billed', () => {
    const [line] = composeLines([stay()], '2026-11-01', '2026-11-30', rate, 9000, false);
    expect(line).toMatchObject({ firstDay: '2026-11-01', lastDay: '2026-11-30', days: 30, amountOere: 30 * 145000, ownPaymentOere: 0 });
  });

  it('when the citizen is discharged on the admission day, then one day is billed', () => {
    const [line] = composeLines([stay({ admissionDate: '2026-11-10', dischargeDate: '2026-11-10' })], '2026-11-01', '2026-11-30', rate, 9000, false);
    expect(line).toMatchObject({ firstDay: '2026-11-10', lastDay: '2026-11-10', days: 1, amountOere: 145000 });
  });

  it('when February 2028 is billed, then the leap day counts: 29 days', () => {
    const [line] = composeLines([stay({ admissionDate: '2028-01-15' })], '2028-02-01', '2028-02-29', rate, 9000, false);
    expect(line).toMatchObject({ days: 29, amountOere: 29 * 145000 });
  });

  it("when the citizen's own payment is netted, then it is deducted in whole øre", () => {
    const [line] = composeLines([stay()], '2026-11-01', '2026-11-30', rate, 9000, true);
    expect(line).toMatchObject({ ownPaymentOere: 30 * 9000, amountOere: 30 * 145000 - 30 * 9000 });
  });

  it('when a stay ended before the period, then it has no line', () => {
    expect(composeLines([stay({ dischargeDate: '2026-10-31' })], '2026-11-01', '2026-11-30', rate, 9000, false)).toEqual([]);
  });
});

describe('reconciling lines', () => {
  const [good] = composeLines([stay()], '2026-11-01', '2026-11-30', rate, 9000, false) as [InvoiceLine];
  const reconcile = (lines: InvoiceLine[], earlier: InvoiceLine[] = [], stays = [stay()]) => reconcileLines(lines, stays, earlier, rate).map((o) => o.reason ?? o.outcome);

  it.each([
    ['a known stay, the right days and rate', [good], ['accepted']],
    ['the same line twice', [good, { ...good, lineId: '2' }], ['accepted', 'duplicate_line']],
    ['a stay the paying municipality never heard of, for a citizen it knows', [{ ...good, stayConversationId: 'c-x' }], ['unknown_stay']],
    ['a citizen it never heard of', [{ ...good, stayConversationId: 'c-x', citizen: { cpr: '0202802345', name: 'X' } }], ['not_our_citizen']],
    ['another citizen on a known stay', [{ ...good, citizen: { cpr: '0202802345', name: 'X' } }], ['not_our_citizen']],
    ['days before the admission', [{ ...good, firstDay: '2026-10-01', days: 61, amountOere: 61 * 145000 }], ['days_outside_stay']],
    ['days that do not add up', [{ ...good, days: 31, amountOere: 31 * 145000 }], ['days_outside_stay']],
    ['a rate that differs from the agreement', [{ ...good, dailyRateOere: 150000, amountOere: 30 * 150000 }], ['rate_mismatch']],
    ['an amount that does not add up', [{ ...good, amountOere: good.amountOere + 1 }], ['rate_mismatch']],
  ])('when the invoice has %s, then %j', (_what, lines, expected) => {
    expect(reconcile(lines as InvoiceLine[])).toEqual(expected);
  });

  it('when days were accepted on an earlier invoice, then overlaps_earlier_invoice', () => {
    expect(reconcile([good], [{ ...good, firstDay: '2026-11-20', lastDay: '2026-12-05' }])).toEqual(['overlaps_earlier_invoice']);
  });

  it('when the stay was discharged, then days after the discharge are outside it', () => {
    expect(reconcile([good], [], [stay({ dischargeDate: '2026-11-15' })])).toEqual(['days_outside_stay']);
  });
});

describe('figures', () => {
  it('when lines are accepted and disputed, then totals, 50 % refusion for the days left in the rolling year, and net cost are exact', () => {
    const lines = [
      { ...composeLines([stay()], '2026-11-01', '2026-11-30', rate, 0, false)[0]!, outcome: 'accepted' as const },
      { ...composeLines([stay({ conversationId: 'c-2' })], '2026-11-01', '2026-11-10', () => 100001, 0, false)[0]!, outcome: 'disputed' as const, reason: 'rate_mismatch' as const },
    ];
    // An earlier stay of 68 days in the same rolling year (from 2026-05-01), and the 12 days of this stay
    // in October (admitted 2026-10-20, billed elsewhere): 80 days used, only 10 of November's 30 are refunded.
    const earlier = composeLines([stay({ conversationId: 'c-0', admissionDate: '2026-05-01', dischargeDate: '2026-07-07' })], '2026-05-01', '2026-07-31', rate, 0, false);
    expect(earlier[0]!.days).toBe(68);
    const figures = invoiceFigures(lines, rules, earlier);
    expect(figures).toMatchObject({
      acceptedOere: 4350000,
      disputedOere: 1000010,
      refundableDays: 10,
      estimatedStateRefusionOere: Math.floor((4350000 * 10) / (30 * 2)),
      netCostOere: 4350000 - Math.floor((4350000 * 10) / (30 * 2)),
    });
  });

  it('when a stay runs 2026-10-01 to 2027-03-31, then 90 of its 182 days are refundable: the year runs from the admission, not the calendar', () => {
    const [line] = composeLines([stay({ admissionDate: '2026-10-01', dischargeDate: '2027-03-31' })], '2026-10-01', '2027-03-31', rate, 0, false);
    expect(line!.days).toBe(182);
    const figures = invoiceFigures([{ ...line!, outcome: 'accepted' }], rules);
    expect(figures.refundableDays).toBe(90);
    expect(figures.estimatedStateRefusionOere).toBe(Math.floor((line!.amountOere * 90) / (182 * 2)));
  });

  it('when the limit changes on 2026-04-01, then days from then count against 90, days before against 120', () => {
    const billed = (admissionDate: string, dischargeDate: string) => {
      const [line] = composeLines([stay({ admissionDate, dischargeDate })], admissionDate, dischargeDate, rate, 0, false);
      return invoiceFigures([{ ...line!, outcome: 'accepted' }], rules).refundableDays;
    };
    expect(billed('2025-10-01', '2026-03-31')).toBe(120); // all under the 120-day limit
    expect(billed('2026-01-01', '2026-06-30')).toBe(90); // 90 days by 31 March; from 1 April the limit is 90, already reached
    expect(billed('2026-02-01', '2026-06-30')).toBe(90); // 59 days under 120, then 31 more under 90
    expect(billed('2026-04-01', '2026-12-31')).toBe(90);
  });

  it('when the rolling year has ended, then a new one starts on the next day of stay', () => {
    const earlier = composeLines([stay({ conversationId: 'c-0', admissionDate: '2026-04-01', dischargeDate: '2026-09-30' })], '2026-04-01', '2026-09-30', rate, 0, false);
    const [line] = composeLines([stay({ admissionDate: '2027-03-01', dischargeDate: '2027-06-30' })], '2027-03-01', '2027-06-30', rate, 0, false);
    // 2027-03-01..2027-03-31 is still in the year from 2026-04-01 (90 days used); a new year starts 2027-04-01.
    expect(invoiceFigures([{ ...line!, outcome: 'accepted' }], rules, earlier).refundableDays).toBe(90);
    expect(yearEnd('2026-04-01')).toBe('2027-03-31');
    expect(yearEnd('2028-02-29')).toBe('2029-02-28');
  });

  it('when a day is before the first limit (2023-10-01), then it gets no estimate', () => {
    const [line] = composeLines([stay({ admissionDate: '2023-09-21', dischargeDate: '2023-10-10' })], '2023-09-21', '2023-10-10', rate, 0, false);
    expect(invoiceFigures([{ ...line!, outcome: 'accepted' }], rules).refundableDays).toBe(10);
  });
});
