import { describe, expect, it } from 'vitest';
import { Contracts } from '../../services/gateway/src/domain/contracts.ts';
import { planMessage } from '../../services/gateway/src/domain/conversation.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';
import { ageFlagAlerts, ageOn, checkNextStep } from '../../services/gateway/src/domain/stay-rules.ts';
import { assertConsentFitsModel } from '../../services/gateway/src/domain/consent.ts';
import { admissionRequest } from '../helpers/messages.ts';

const contracts = new Contracts();
const rules = contracts.stayRules;
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (error) {
    return error instanceof Refusal ? error.code : String(error);
  }
};

describe('age flags at admission', () => {
  const admission = (cpr: string, admissionDate = '2026-11-23') => ({ citizen: { cpr, name: 'X' }, admissionDate });

  it('when a CPR number is read, then the age counts whole years and the century from the 7th digit', () => {
    expect(ageOn('2311044234', '2026-11-23')).toBe(22); // 7th digit 4 and year 04: born 2004-11-23
    expect(ageOn('2311041234', '2026-11-23')).toBe(122); // 7th digit 1: born 1904
    expect(ageOn('2411044234', '2026-11-23')).toBe(21); // birthday tomorrow
  });

  it('when Herning handles a 22-year-old, then an age-flag alert citing the 2017 masterplan is due on the admission day', () => {
    const [flag, ...more] = ageFlagAlerts(rules, '657', admission('2311044234')); // 7th digit 4, yy 04 → born 2004
    expect(more).toEqual([]);
    expect(flag).toEqual({
      deadlineId: 'age-flag-657', kind: 'alert', title: "Citizen aged 22 at admission: Herning's plan: no 18–25-year-olds in shelters",
      reference: 'Herning Kommune, masterplan 2017 (no one aged 18–25 in a shelter)', startOn: '2026-11-23', dueOn: '2026-11-23',
    });
  });

  it('when the citizen turns 26 the day before admission, then Herning has no flag; Ballerup flags under 30 only', () => {
    expect(ageFlagAlerts(rules, '657', admission('2211004234'))).toEqual([]); // born 2000-11-22: 26
    expect(ageFlagAlerts(rules, '657', admission('2411004234'))).toHaveLength(1); // born 2000-11-24: still 25
    expect(ageFlagAlerts(rules, '151', admission('2311974234'))).toHaveLength(1); // born 1997-11-23: 29
    expect(ageFlagAlerts(rules, '151', admission('2311964234'))).toEqual([]); // born 1996-11-23: 30
    expect(ageFlagAlerts(rules, '165', admission('2311044234'))).toEqual([]); // Albertslund sets no flag
  });

  it('when København admits a 22-year-old Herning citizen, then the plan starts the age-flag alert with the other deadlines', () => {
    const { payload } = admissionRequest('101', '657', 'kbh-herberg', {}, '2026-11-23');
    (payload as { citizen: unknown }).citizen = { cpr: '2311044234', name: 'Ung Borger' };
    const envelope = newEnvelope({ type: 'shelter.admission-notice', from: '101', to: '657', payload }, new Date('2026-11-24T09:00:00Z'));
    const plan = planMessage(contracts, envelope, null, new Set());
    expect(plan.startDeadlines.map((d) => d.deadlineId)).toContain('age-flag-657');
  });
});

describe('next step after discharge', () => {
  const discharge = (nextStep: unknown) => codeOf(() => checkNextStep(rules, { nextStep }));

  it.each([
    ['CTI for exactly 9 months', 'none', { step: 'cti', from: '2027-02-15', until: '2027-11-15' }],
    ['CTI for 9 months and a day', 'contract_forbids', { step: 'cti', from: '2027-02-15', until: '2027-11-16' }],
    ['CTI without an end', 'contract_forbids', { step: 'cti', from: '2027-02-15' }],
    ['Housing First with ICM, open-ended', 'none', { step: 'housing-first-icm', from: '2027-02-15' }],
    ['an end before the start', 'contract_forbids', { step: 'housing-first-icm', from: '2027-02-15', until: '2027-02-01' }],
  ])('when the discharge notice names %s, then %s', (_what, code, nextStep) => {
    expect(discharge(nextStep)).toBe(code);
  });

  it('when the schema and contracts/rules/follow-up.json are compared, then they name the same steps', async () => {
    const schema = (await import('../../schemas/shelter.discharge-notice.schema.json', { with: { type: 'json' } })).default as any;
    expect(schema.properties.nextStep.properties.step.enum).toEqual(rules.followUps.map((s) => s.id));
  });
});

describe('consent fits its model', () => {
  const stay = contracts.model('shelter-stay').consent;
  const street = contracts.model('street-sleeper-handoff').consent;

  it.each([
    ['a street-sleeper consent from the citizen', 'none', { purpose: 'street-sleeper-handoff', source: 'citizen' }, street],
    ['a street-sleeper consent from health services', 'consent_scope', { purpose: 'street-sleeper-handoff', source: 'health-services' }, street],
    ['a handleplan consent for a named stay', 'none', { purpose: 'shelter-stay', source: 'own-case-records', conversationId: 'c-1' }, stay],
    ['a handleplan consent without the stay it is for', 'consent_scope', { purpose: 'shelter-stay', source: 'citizen' }, stay],
    ['a consent for a model that takes none', 'consent_scope', { purpose: 'trust', source: 'citizen' }, undefined],
  ])('when recording %s, then %s', (_what, code, given, setting) => {
    expect(codeOf(() => assertConsentFitsModel(given, setting))).toBe(code);
  });
});
