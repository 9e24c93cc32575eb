import { shiftDays, type IsoDate } from './calendar.ts';
import type { Stay } from './invoicing.ts';

// Which days of a § 110 stay a municipality pays for, from the messages of the stay's conversation
// this node holds: the admission notice it got (from `handlingFrom` after a change of handling
// municipality), until the first agreed handling.transfer away from it (Retssikkerhedsloven § 9),
// and not at all when it declined or forwarded the stay.

export interface StayNotice {
  type: string;
  fromCode: string;
  toCode: string;
  payload: Record<string, any>;
}

/** The stay `paying` is billed for in one conversation, or null when it pays none of it. */
export function billableStay(conversationId: string, shelter: string, paying: string, notices: StayNotice[]): Stay | null {
  const admissions = notices.filter((n) => n.type === 'shelter.admission-notice');
  const ours = admissions.filter((n) => n.toCode === paying).at(-1)?.payload;
  if (!ours) return null;
  const decision = notices.filter((n) => n.type === 'handling.decision' && n.fromCode === paying).at(-1)?.payload;
  if (decision && decision.decision !== 'accept') return null; // declined or forwarded: not ours to pay
  const admissionDate: IsoDate = admissions[0]!.payload.admissionDate;
  const billFrom: IsoDate = ours.handlingFrom ?? admissionDate;
  const transferAway = notices
    .filter((n) => n.type === 'handling.transfer' && n.fromCode === paying && n.payload.newHandlingPosition === 'agreed' && n.payload.effectiveFrom > billFrom)
    .map((n) => n.payload.effectiveFrom as IsoDate)
    .sort()[0];
  const dischargeDate: IsoDate | null = notices.filter((n) => n.type === 'shelter.discharge-notice').at(-1)?.payload.dischargeDate ?? null;
  return {
    conversationId,
    citizen: ours.citizen,
    shelterId: ours.shelterId,
    shelterMunicipality: shelter,
    handlingMunicipality: paying,
    admissionDate,
    dischargeDate,
    ...(billFrom !== admissionDate ? { billFrom } : {}),
    ...(transferAway ? { billTo: shiftDays(transferAway, -1) } : {}),
  };
}
