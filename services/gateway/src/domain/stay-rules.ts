import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IsoDate } from './calendar.ts';
import { birthDate, isPlausibleCpr } from './cpr.ts';
import type { DeadlineStart } from './conversation.ts';
import { Refusal } from './errors.ts';

// Rules of a § 110 stay beyond the collaboration model, each with its source in contracts/rules/:
// age flags at admission (age-flags.json) and the named next step after discharge (follow-up.json).

export interface AgeFlag {
  municipality: string;
  minAge: number;
  maxAge: number;
  text: string;
  source: string;
}

export interface FollowUpStep {
  id: string;
  name: string;
  months?: number;
  source: string;
}

export interface StayRules {
  ageFlags: AgeFlag[];
  followUps: FollowUpStep[];
}

export function loadStayRules(dir: string, municipalities: { has(code: string): boolean }): StayRules {
  const read = (file: string) => JSON.parse(readFileSync(path.join(dir, 'rules', file), 'utf8'));
  const ageFlags = (read('age-flags.json') as { flags: AgeFlag[] }).flags;
  const followUps = (read('follow-up.json') as { steps: FollowUpStep[] }).steps;
  for (const f of ageFlags) {
    const whole = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
    if (!municipalities.has(f.municipality) || !whole(f.minAge) || !whole(f.maxAge) || f.minAge > f.maxAge || !f.source || !f.text) {
      throw new Error('Contract contracts/rules/age-flags.json is invalid: each flag needs a municipality code, whole ages minAge ≤ maxAge, a text and a source');
    }
  }
  if (!followUps.every((s) => s.id && s.name && s.source && (s.months === undefined || (Number.isInteger(s.months) && s.months > 0)))) {
    throw new Error('Contract contracts/rules/follow-up.json is invalid: each step needs id, name, source, and whole months when time-limited');
  }
  return { ageFlags, followUps };
}

/** Age in whole years on a day. */
export function ageOn(cpr: string, day: IsoDate): number {
  const born = birthDate(cpr);
  const years = Number(day.slice(0, 4)) - Number(born.slice(0, 4));
  return day.slice(5) < born.slice(5) ? years - 1 : years;
}

/**
 * An admission notice to a handling municipality whose plan says this age should not stay in a
 * shelter starts an age-flag alert, already due on the admission day: a warning, never a refusal.
 */
export function ageFlagAlerts(rules: StayRules, handling: string, payload: Record<string, unknown>): DeadlineStart[] {
  const cpr = (payload.citizen as { cpr?: string } | undefined)?.cpr;
  const admissionDate = payload.admissionDate as string | undefined;
  if (!cpr || !admissionDate || !isPlausibleCpr(cpr)) return [];
  const age = ageOn(cpr, admissionDate);
  return rules.ageFlags
    .filter((f) => f.municipality === handling && f.minAge <= age && age <= f.maxAge)
    .map((f) => ({ deadlineId: `age-flag-${handling}`, kind: 'alert' as const, title: `Citizen aged ${age} at admission: ${f.text}`, reference: f.source, startOn: admissionDate, dueOn: admissionDate }));
}

function addMonths(day: IsoDate, months: number): IsoDate {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** The discharge notice's next step: a known step; a time-limited one ends within its months. */
export function checkNextStep(rules: StayRules, payload: Record<string, unknown>): void {
  const next = payload.nextStep as { step: string; from: IsoDate; until?: IsoDate } | undefined;
  if (!next) return;
  const step = rules.followUps.find((s) => s.id === next.step);
  if (!step) throw new Refusal('contract_forbids', `next step "${next.step}" is not in contracts/rules/follow-up.json`);
  if (next.until && next.until < next.from) throw new Refusal('contract_forbids', 'nextStep.until is before nextStep.from');
  if (step.months === undefined) return;
  const latest = addMonths(next.from, step.months);
  if (!next.until) throw new Refusal('contract_forbids', `${step.id} is time-limited to ${step.months} months: nextStep.until is required (${step.source})`);
  if (next.until > latest) throw new Refusal('contract_forbids', `${step.id} lasts at most ${step.months} months: until ${latest} at the latest (${step.source})`);
}
