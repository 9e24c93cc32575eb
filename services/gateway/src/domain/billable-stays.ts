import { shiftDays, type IsoDate } from './calendar.ts';
import type { BillingRule } from './contracts.ts';
import type { Stay } from './invoicing.ts';

// Which days of a stay a municipality pays for, from the messages of the stay's conversation this
// node holds, as the billing model declares them (`bills` in contracts/models/stay-invoicing.json):
// the opening notice it got (from `billFrom` after a change of handling municipality), until the
// first agreed transfer away from it (Retssikkerhedsloven § 9), and not at all when its decision
// was not one that bills (declined or forwarded).

export interface StayNotice {
  type: string;
  fromCode: string;
  toCode: string;
  payload: Record<string, any>;
}

/** The message types of a stay's conversation that decide what is billed. */
export const billingTypes = (rule: BillingRule) =>
  [rule.opens.type, rule.closes.type, rule.decidedBy.type, rule.transferredBy?.type].filter((t): t is string => Boolean(t));

/** The stay `paying` is billed for in one conversation, or null when it pays none of it. */
export function billableStay(rule: BillingRule, conversationId: string, shelter: string, paying: string, notices: StayNotice[]): Stay | null {
  const { opens, closes, decidedBy, transferredBy } = rule;
  const openings = notices.filter((n) => n.type === opens.type);
  const ours = openings.filter((n) => n.toCode === paying).at(-1)?.payload;
  if (!ours) return null;
  const decision = notices.filter((n) => n.type === decidedBy.type && n.fromCode === paying).at(-1)?.payload;
  if (decision && !decidedBy.billedIf.includes(decision[decidedBy.field])) return null;
  const admissionDate: IsoDate = openings[0]!.payload[opens.date];
  const billFrom: IsoDate = (opens.billFrom && ours[opens.billFrom]) || admissionDate;
  const transferAway = transferredBy
    ? notices
        .filter((n) => n.type === transferredBy.type && n.fromCode === paying && n.payload[transferredBy.agreedField] === transferredBy.agreedValue && n.payload[transferredBy.from] > billFrom)
        .map((n) => n.payload[transferredBy.from] as IsoDate)
        .sort()[0]
    : undefined;
  const dischargeDate: IsoDate | null = notices.filter((n) => n.type === closes.type).at(-1)?.payload[closes.date] ?? null;
  return {
    conversationId,
    citizen: ours[opens.citizen],
    shelterId: ours[opens.shelterId],
    shelterMunicipality: shelter,
    handlingMunicipality: paying,
    admissionDate,
    dischargeDate,
    ...(billFrom !== admissionDate ? { billFrom } : {}),
    ...(transferAway ? { billTo: shiftDays(transferAway, -1) } : {}),
  };
}
