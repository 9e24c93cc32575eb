// Longer than 250 lines: one loader checks every contract file against the others (models, billing,
// agreements, shelters); split up, the checks would live apart from what they check.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Role } from '../config/index.ts';
import { municipalityNames } from '../config/municipalities.ts';
import type { Duration, IsoDate } from './calendar.ts';
import type { Section110Rules } from './invoicing.ts';
import { loadStayRules, type StayRules } from './stay-rules.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const contractDir = fileURLToPath(new URL('../../../../contracts/', import.meta.url));

export type ToState = string | { field: string; cases: Record<string, string> };

export interface MessageTypeRule {
  model: string;
  from: string;
  to: string;
  userRoles: Role[];
  /** Only the node itself sends it (a withdrawal, a key rotation), never a user through POST /messages. */
  systemOnly?: boolean;
  requiresInReplyTo?: boolean;
  /** Without a receipt or error signal this long after it was made, the sender's message is undelivered. */
  deliverWithinMinutes?: number;
  allowedIn: string[];
  toState?: ToState;
  moveRole?: { role: string; to: string; when: string; equals: string };
  shelterOf?: string;
  /** Information category → payload pointers that carry it; a consent must cover each present. */
  categories?: Record<string, string[]>;
  legalBasis: { kind: 'consent' | 'statute' | 'reply'; reference: string };
  /** The model's consent setting, copied onto each of its types. */
  consent?: ConsentSetting;
}

export interface ConsentSetting {
  sources: string[];
  requiresCase: boolean;
  reference: string;
}

export interface DeadlineRule {
  id: string;
  title: string;
  kind: 'deadline' | 'alert';
  reference: string;
  startsWith: { type: string; dateField?: string };
  duration: Duration;
  metBy: string[];
  /** Where the number comes from: a statute, a municipality's plan, or an agreement setting (the project's own choice). */
  basis?: 'statute' | 'municipal-plan' | 'agreement-setting';
}

/** A model that bills stays names them as data: nothing in code knows the stay model's names. */
export interface BillingRule {
  stayModel: string;
  /** This model's role → the stay model's role held by the same municipality. */
  roles: Record<string, string>;
  opens: { type: string; citizen: string; shelterId: string; date: string; billFrom?: string };
  closes: { type: string; date: string };
  /** The payer's decision: billed only when `field` holds one of `billedIf` (not declined or forwarded). */
  decidedBy: { type: string; field: string; billedIf: string[] };
  /** A change of payer from a date (`from`), when `agreedField` holds `agreedValue`. */
  transferredBy?: { type: string; from: string; agreedField: string; agreedValue: string };
}

export interface CollaborationModel {
  id: string;
  title: string;
  description?: string;
  roles: string[];
  states: string[];
  closedStates: string[];
  agreement?: 'between-roles' | 'any-model';
  messageTypes: Record<string, Omit<MessageTypeRule, 'model' | 'consent'>>;
  deadlines: DeadlineRule[];
  bills?: BillingRule;
  consent?: ConsentSetting;
}

export interface Agreement {
  id: string;
  model: string;
  title: string;
  parties: Record<string, string>;
  validFrom: IsoDate;
  validTo?: IsoDate;
  keyRotation?: 'automatic' | 'admin-approval';
  deadlineOverrides?: Record<string, Duration>;
  dailyRates?: { shelterId: string; rateOere: number; validFrom: IsoDate; validTo?: IsoDate }[];
}

export interface Shelter {
  id: string;
  name: string;
  municipality: string;
}

class ContractError extends Error {
  constructor(file: string, problem: string) {
    super(`Contract ${file} is invalid: ${problem}`);
  }
}

function readJson(dir: string, relative: string): unknown {
  try {
    return JSON.parse(readFileSync(path.join(dir, relative), 'utf8'));
  } catch (error) {
    throw new ContractError(path.join('contracts', relative), `not readable JSON (${(error as Error).message})`);
  }
}

function check(validate: ValidateFunction, value: unknown, file: string): void {
  if (!validate(value)) {
    throw new ContractError(file, (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
  }
}

const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

/**
 * The collaboration models, partner agreements and shelter registry in contracts/, each checked
 * against its schema and against each other at start: a broken file stops the node, naming it.
 */
export class Contracts {
  readonly models = new Map<string, CollaborationModel>();
  readonly rules = new Map<string, MessageTypeRule>();
  readonly agreements: Agreement[] = [];
  readonly shelters = new Map<string, Shelter>();
  /** § 110 payment rules (own payment, state refusion), kept as data with their source. */
  readonly section110: Section110Rules;
  /** Age flags at admission and next steps after discharge (domain/stay-rules.ts). */
  readonly stayRules: StayRules;

  constructor(dir = contractDir) {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    const validateModel = ajv.compile(readJson(dir, 'collaboration-model.schema.json') as object);
    const validateAgreement = ajv.compile(readJson(dir, 'agreement.schema.json') as object);

    this.section110 = readJson(dir, 'rules/section-110.json') as Section110Rules;
    check(ajv.compile(readJson(dir, 'section-110.schema.json') as object), this.section110, 'contracts/rules/section-110.json');
    this.stayRules = loadStayRules(dir, municipalityNames);
    for (const s of (readJson(dir, 'shelters.json') as { shelters: Shelter[] }).shelters) {
      if (!municipalityNames.has(s.municipality)) throw new ContractError('contracts/shelters.json', `${s.id} names municipality ${s.municipality}`);
      this.shelters.set(s.id, s);
    }

    for (const file of jsonFiles(path.join(dir, 'models'))) {
      const where = path.join('contracts', 'models', file);
      const model = readJson(dir, path.join('models', file)) as CollaborationModel;
      check(validateModel, model, where);
      this.checkModel(model, where);
      this.models.set(model.id, model);
      for (const [type, rule] of Object.entries(model.messageTypes)) {
        if (this.rules.has(type)) throw new ContractError(where, `${type} is defined by another model too`);
        this.rules.set(type, { model: model.id, ...rule, ...(model.consent ? { consent: model.consent } : {}) });
      }
    }

    for (const model of this.models.values()) this.checkBilling(model);

    for (const file of jsonFiles(path.join(dir, 'agreements'))) {
      const where = path.join('contracts', 'agreements', file);
      const agreement = readJson(dir, path.join('agreements', file)) as Agreement;
      check(validateAgreement, agreement, where);
      this.checkAgreement(agreement, where);
      this.agreements.push(agreement);
    }
  }

  private checkModel(model: CollaborationModel, where: string): void {
    const states = new Set(model.states);
    const known = (state: string, what: string) => {
      if (!states.has(state)) throw new ContractError(where, `${what} names state "${state}", which the model does not list`);
    };
    model.closedStates.forEach((s) => known(s, 'closedStates'));
    for (const [type, rule] of Object.entries(model.messageTypes)) {
      for (const role of [rule.from, rule.to, rule.moveRole?.role, rule.shelterOf]) {
        if (role && !model.roles.includes(role)) throw new ContractError(where, `${type} names role "${role}", which the model does not have`);
      }
      rule.allowedIn.filter((s) => s !== 'start').forEach((s) => known(s, `${type}.allowedIn`));
      if (typeof rule.toState === 'string') known(rule.toState, `${type}.toState`);
      else if (rule.toState) Object.values(rule.toState.cases).forEach((s) => known(s, `${type}.toState`));
    }
    for (const d of model.deadlines) {
      for (const type of [d.startsWith.type, ...d.metBy]) {
        if (!model.messageTypes[type]) throw new ContractError(where, `deadline ${d.id} names ${type}, which the model does not define`);
      }
    }
  }

  /** A billing declaration must name the stay model's roles, types and states. */
  private checkBilling(model: CollaborationModel): void {
    const bills = model.bills;
    if (!bills) return;
    const where = `contracts/models/${model.id}`;
    const stays = this.models.get(bills.stayModel);
    if (!stays) throw new ContractError(where, `bills stays of model "${bills.stayModel}", which does not exist`);
    for (const [ours, theirs] of Object.entries(bills.roles)) {
      if (!model.roles.includes(ours) || !stays.roles.includes(theirs)) throw new ContractError(where, `bills.roles maps ${ours} → ${theirs}, which the models do not have`);
    }
    for (const type of [bills.opens.type, bills.closes.type, bills.decidedBy.type, bills.transferredBy?.type]) {
      if (type && !stays.messageTypes[type]) throw new ContractError(where, `bills names ${type}, which ${stays.id} does not define`);
    }
  }

  /** The model that bills stays, with its billing declaration. */
  billing(): { model: string; rule: BillingRule } {
    for (const model of this.models.values()) if (model.bills) return { model: model.id, rule: model.bills };
    throw new Error('No collaboration model bills stays');
  }

  private checkAgreement(agreement: Agreement, where: string): void {
    const model = this.models.get(agreement.model);
    if (!model) throw new ContractError(where, `model "${agreement.model}" does not exist`);
    for (const role of model.roles) {
      const code = agreement.parties[role];
      if (!code) throw new ContractError(where, `no municipality in role "${role}"`);
      if (!municipalityNames.has(code)) throw new ContractError(where, `"${code}" is not a municipality code`);
    }
    for (const id of Object.keys(agreement.deadlineOverrides ?? {})) {
      if (!model.deadlines.some((d) => d.id === id)) throw new ContractError(where, `deadline override "${id}" matches no deadline of ${model.id}`);
    }
    for (const rate of agreement.dailyRates ?? []) {
      const shelter = this.shelters.get(rate.shelterId);
      if (!shelter) throw new ContractError(where, `daily rate for unknown shelter "${rate.shelterId}"`);
      if (!Object.values(agreement.parties).includes(shelter.municipality)) {
        throw new ContractError(where, `shelter ${rate.shelterId} is run by ${shelter.municipality}, which is not a party`);
      }
    }
    if (this.agreements.some((a) => a.id === agreement.id)) throw new ContractError(where, `agreement id ${agreement.id} is used twice`);
  }

  rule(type: string): MessageTypeRule | undefined {
    return this.rules.get(type);
  }

  model(id: string): CollaborationModel {
    const model = this.models.get(id);
    if (!model) throw new Error(`No collaboration model ${id}`);
    return model;
  }

  /** The agreement that lets `from` in role `fromRole` send to `to` in role `toRole` on `date`. */
  agreementFor(modelId: string, fromRole: string, from: string, toRole: string, to: string, date: IsoDate): Agreement | undefined {
    const valid = (a: Agreement) => a.validFrom <= date && (!a.validTo || date <= a.validTo);
    if (this.model(modelId).agreement === 'any-model') {
      return this.agreements.find((a) => valid(a) && Object.values(a.parties).includes(from) && Object.values(a.parties).includes(to));
    }
    return this.agreements.find((a) => a.model === modelId && valid(a) && a.parties[fromRole] === from && a.parties[toRole] === to);
  }

  /** Municipalities we share at least one agreement valid on `date` with. */
  partnersOf(municipality: string, date: IsoDate): string[] {
    const partners = new Set<string>();
    for (const a of this.agreements) {
      if (a.validFrom > date || (a.validTo && date > a.validTo)) continue;
      const parties = Object.values(a.parties);
      if (parties.includes(municipality)) parties.filter((p) => p !== municipality).forEach((p) => partners.add(p));
    }
    return [...partners].sort();
  }

  /** Key rotations from `partner` are approved automatically when an agreement with it says so. */
  automaticKeyRotation(us: string, partner: string, date: IsoDate): boolean {
    return this.agreements.some((a) => {
      const parties = Object.values(a.parties);
      return a.keyRotation === 'automatic' && parties.includes(us) && parties.includes(partner) && a.validFrom <= date && (!a.validTo || date <= a.validTo);
    });
  }

  /** Deadline rules of a model with an agreement's overrides applied. */
  deadlines(modelId: string, agreement?: Agreement): DeadlineRule[] {
    return this.model(modelId).deadlines.map((d) => {
      const override = agreement?.deadlineOverrides?.[d.id];
      if (!override) return d;
      return { ...d, duration: override, basis: 'agreement-setting' as const, reference: `${d.reference}; set to ${override.amount} ${override.unit} by agreement ${agreement!.id}` };
    });
  }
}
