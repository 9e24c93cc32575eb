import { describe, expect, it } from 'vitest';
import { billableStay, type StayNotice } from '../../services/gateway/src/domain/billable-stays.ts';
import { composeLines, reconcileLines } from '../../services/gateway/src/domain/invoicing.ts';
import { Contracts } from '../../services/gateway/src/domain/contracts.ts';

// The billing declaration of contracts/models/stay-invoicing.json drives what is billed.
const { rule } = new Contracts().billing();

const jens = { cpr: '0101801234', name: 'Jens Jensen' };
const admission = (to: string, extra: Record<string, unknown> = {}): StayNotice => ({ type: 'shelter.admission-notice', fromCode: '101', toCode: to, payload: { citizen: jens, shelterId: 'kbh-herberg', admissionDate: '2026-11-20', ...extra } });
const decision = (from: string, d: string): StayNotice => ({ type: 'handling.decision', fromCode: from, toCode: '101', payload: { decision: d } });
const transfer = (from: string, to: string, position: 'agreed' | 'disputed'): StayNotice => ({ type: 'handling.transfer', fromCode: from, toCode: '101', payload: { kind: 'transfer', newHandling: to, effectiveFrom: '2027-01-01', reason: 'citizen-moved', newHandlingPosition: position } });
const discharge: StayNotice = { type: 'shelter.discharge-notice', fromCode: '101', toCode: '657', payload: { dischargeDate: '2027-02-10' } };

describe('billable stays', () => {
  it('when the handling municipality declined or forwarded the stay, then it is not billed; accepted or undecided, it is', () => {
    expect(billableStay(rule, 'c', '101', '165', [admission('165'), decision('165', 'decline')])).toBeNull();
    expect(billableStay(rule, 'c', '101', '165', [admission('165'), decision('165', 'forward')])).toBeNull();
    expect(billableStay(rule, 'c', '101', '165', [admission('165'), decision('165', 'decline'), decision('165', 'accept')])).not.toBeNull();
    expect(billableStay(rule, 'c', '101', '165', [admission('165')])).toMatchObject({ admissionDate: '2026-11-20', dischargeDate: null });
    expect(billableStay(rule, 'c', '101', '657', [admission('165')])).toBeNull();
  });

  it('when Albertslund transfers the handling to Herning from 2027-01-01, then Albertslund pays to 31 December and Herning from 1 January', () => {
    const notices = [admission('165'), decision('165', 'accept'), transfer('165', '657', 'agreed'), admission('657', { handlingFrom: '2027-01-01' }), decision('657', 'accept'), discharge];
    const old = billableStay(rule, 'c', '101', '165', notices)!;
    const next = billableStay(rule, 'c', '101', '657', notices)!;
    expect(old).toMatchObject({ admissionDate: '2026-11-20', billTo: '2026-12-31', dischargeDate: '2027-02-10' });
    expect(next).toMatchObject({ admissionDate: '2026-11-20', billFrom: '2027-01-01', dischargeDate: '2027-02-10' });
    const rate = () => 310000;
    const [toOld] = composeLines([old], '2026-12-01', '2027-01-31', rate, 0, false);
    const [toNew] = composeLines([next], '2026-12-01', '2027-01-31', rate, 0, false);
    expect([toOld!.firstDay, toOld!.lastDay, toOld!.days]).toEqual(['2026-12-01', '2026-12-31', 31]);
    expect([toNew!.firstDay, toNew!.lastDay, toNew!.days]).toEqual(['2027-01-01', '2027-01-31', 31]);
    // A line to Herning for December days is outside what Herning pays for.
    expect(reconcileLines([{ ...toNew!, firstDay: '2026-12-01', days: 62, amountOere: 62 * 310000 }], [next], [], rate)[0]).toEqual({ outcome: 'disputed', reason: 'days_outside_stay' });
    expect(reconcileLines([toNew!], [next], [], rate)[0]).toEqual({ outcome: 'accepted' });
  });

  it('when Herning disputes the transfer, then nothing moves: Albertslund still pays', () => {
    const notices = [admission('165'), decision('165', 'accept'), transfer('165', '657', 'disputed')];
    expect(billableStay(rule, 'c', '101', '165', notices)?.billTo).toBeUndefined();
  });
});
