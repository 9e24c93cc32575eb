import { copenhagenDate, dueRule, type IsoDate } from './calendar.ts';
import type { Contracts, MessageTypeRule } from './contracts.ts';
import type { Envelope } from './envelope.ts';
import { Refusal } from './errors.ts';
import { ageFlagAlerts, checkNextStep } from './stay-rules.ts';

/** One node's view of a conversation. */
export interface ConversationState {
  id: string;
  model: string;
  state: string;
  roles: Record<string, string>;
  agreementId: string | null;
}

export interface DeadlineStart {
  deadlineId: string;
  kind: 'deadline' | 'alert';
  title: string;
  reference: string;
  startOn: IsoDate;
  dueOn: IsoDate;
}

/** What a message does to its conversation, decided before anything is stored. */
export interface ConversationPlan {
  conversation: ConversationState;
  isNew: boolean;
  /** The state the plan was made from: storing fails if the conversation moved on meanwhile. */
  previousState: string | null;
  startDeadlines: DeadlineStart[];
  /** Deadline ids this message meets, on the day it was sent. */
  meetDeadlines: string[];
  metOn: IsoDate;
  cancelPending: boolean;
  movedRole?: { role: string; from: string; to: string };
}

const field = (payload: Record<string, unknown>, name: string) => payload[name];

/**
 * Checks a message against its collaboration model, the conversation's state and the partner
 * agreements, on send and on receive alike, and plans the conversation's next state and deadlines.
 * `startedDeadlines` are the ids already started in this conversation.
 */
export function planMessage(contracts: Contracts, e: Envelope, existing: ConversationState | null, startedDeadlines: ReadonlySet<string>): ConversationPlan {
  const rule = contracts.rule(e.type);
  if (!rule) throw new Refusal('unknown_type', `type ${e.type}`);
  const model = contracts.model(rule.model);
  if (existing && existing.model !== rule.model) {
    throw new Refusal('contract_forbids', `conversation belongs to ${existing.model}, not ${rule.model}`);
  }
  const roles = existing ? { ...existing.roles } : { [rule.from]: e.from, [rule.to]: e.to };
  if (roles[rule.from] !== e.from || roles[rule.to] !== e.to) {
    throw new Refusal('contract_forbids', `${e.type} goes from the ${rule.from} (${roles[rule.from] ?? 'none'}) to the ${rule.to} (${roles[rule.to] ?? 'none'}) of this conversation`);
  }
  const state = existing?.state ?? 'start';
  if (!rule.allowedIn.includes(state)) {
    throw new Refusal('state_forbids', `${e.type} is not allowed when the conversation is ${existing ? state : 'new'}`);
  }
  if (rule.requiresInReplyTo && !e.inReplyTo) throw new Refusal('contract_forbids', `${e.type} must answer a message (inReplyTo)`);
  checkShelter(contracts, rule, e, roles);

  const day = copenhagenDate(new Date(e.createdAt));
  const agreement = contracts.agreementFor(rule.model, rule.from, e.from, rule.to, e.to, day);
  if (!agreement) throw new Refusal('no_agreement', `no ${rule.model} agreement from ${e.from} as ${rule.from} to ${e.to} as ${rule.to} valid on ${day}`);

  const nextState = resolveState(rule, e.payload) ?? state;
  let movedRole: ConversationPlan['movedRole'];
  let agreementId = agreement.id;
  if (rule.moveRole && field(e.payload, rule.moveRole.when) === rule.moveRole.equals) {
    const { role } = rule.moveRole;
    const target = String(field(e.payload, rule.moveRole.to));
    if (target === roles[role]) throw new Refusal('contract_forbids', `cannot pass the ${role} role to the municipality that holds it`);
    for (const other of model.roles.filter((r) => r !== role)) {
      const next = contracts.agreementFor(rule.model, other, roles[other]!, role, target, day);
      if (!next) throw new Refusal('no_agreement', `no ${rule.model} agreement between ${roles[other]} as ${other} and ${target} as ${role}`);
      agreementId = next.id;
    }
    movedRole = { role, from: roles[role]!, to: target };
    roles[role] = target;
  }

  const startDeadlines = contracts
    .deadlines(rule.model, agreement)
    .filter((d) => d.startsWith.type === e.type && !startedDeadlines.has(d.id))
    .map((d) => {
      const startOn = d.startsWith.dateField ? String(field(e.payload, d.startsWith.dateField)) : day;
      // The stored reference names the rule's source and how the due day was counted (domain/calendar.ts).
      const due = dueRule(startOn, d.duration);
      return { deadlineId: d.id, kind: d.kind, title: d.title, reference: `${d.reference} | ${due.calendar}`, startOn, dueOn: due.dueOn };
    });
  // Age flags at admission and the discharge notice's next step (contracts/rules/, domain/stay-rules.ts).
  if (e.type === 'shelter.admission-notice') startDeadlines.push(...ageFlagAlerts(contracts.stayRules, roles.handling!, e.payload).filter((d) => !startedDeadlines.has(d.deadlineId)));
  if (e.type === 'shelter.discharge-notice') checkNextStep(contracts.stayRules, e.payload);
  const meetDeadlines = model.deadlines.filter((d) => d.metBy.includes(e.type)).map((d) => d.id);

  return {
    conversation: { id: e.conversationId, model: rule.model, state: nextState, roles, agreementId: existing && !movedRole ? existing.agreementId : agreementId },
    isNew: !existing,
    previousState: existing?.state ?? null,
    startDeadlines,
    meetDeadlines,
    metOn: day,
    cancelPending: model.closedStates.includes(nextState),
    movedRole,
  };
}

function resolveState(rule: MessageTypeRule, payload: Record<string, unknown>): string | undefined {
  if (!rule.toState || typeof rule.toState === 'string') return rule.toState;
  const value = String(field(payload, rule.toState.field));
  const next = rule.toState.cases[value];
  if (!next) throw new Refusal('contract_forbids', `${rule.toState.field} "${value}" has no next state`);
  return next;
}

function checkShelter(contracts: Contracts, rule: MessageTypeRule, e: Envelope, roles: Record<string, string>): void {
  if (!rule.shelterOf) return;
  const shelterId = String(field(e.payload, 'shelterId'));
  const shelter = contracts.shelters.get(shelterId);
  if (!shelter) throw new Refusal('contract_forbids', `shelter "${shelterId}" is not in the shelter registry`);
  if (shelter.municipality !== roles[rule.shelterOf]) {
    throw new Refusal('contract_forbids', `shelter ${shelterId} is run by ${shelter.municipality}, not by ${roles[rule.shelterOf]}`);
  }
}

export type DeadlineStatus = 'pending' | 'met' | 'overdue' | 'cancelled';

/** Met after the due day counts as overdue: the law's clock was missed. */
export function deadlineStatus(d: { dueOn: IsoDate; metOn: IsoDate | null; cancelledAt: Date | null }, today: IsoDate): DeadlineStatus {
  if (d.metOn) return d.metOn <= d.dueOn ? 'met' : 'overdue';
  if (d.cancelledAt) return 'cancelled';
  return today > d.dueOn ? 'overdue' : 'pending';
}
