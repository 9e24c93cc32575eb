import { daysBetween, type IsoDate } from './calendar.ts';
import { deadlineStatus } from './conversation.ts';

// Figures the seed plans set targets for, from one node's own records: stays over 120 days
// (Herning 2017, Albertslund 2009), admission notices sent late per shelter municipality (SEL § 110
// stk. 6), street-sleeper notices answered in time (agreement setting) and the average stay.

export interface ReportDeadline {
  conversationId: string;
  deadlineId: string;
  startOn: IsoDate;
  dueOn: IsoDate;
  metOn: IsoDate | null;
  cancelledAt: Date | null;
}

export interface ReportInput {
  today: IsoDate;
  deadlines: ReportDeadline[];
  /** Shelter-stay conversations: id → the municipality running the shelter. */
  shelterOf: Map<string, string>;
  /** Discharge date per stay conversation, from the discharge notices this node holds. */
  dischargeOf: Map<string, IsoDate>;
}

const count = <T>(items: T[], test: (item: T) => boolean) => items.filter(test).length;

export function computeReport(input: ReportInput) {
  const { today } = input;
  const of = (id: string) => input.deadlines.filter((d) => d.deadlineId === id);
  const state = (d: ReportDeadline) => deadlineStatus(d, today);

  const stays = of('stay-120-days');
  const lengths = stays.flatMap((d) => {
    const out = input.dischargeOf.get(d.conversationId);
    return out ? [daysBetween(d.startOn, out) + 1] : [];
  });
  const over120 = count(stays, (d) => {
    const out = input.dischargeOf.get(d.conversationId);
    return out ? daysBetween(d.startOn, out) + 1 > 120 : state(d) === 'overdue';
  });

  const byShelter = new Map<string, { total: number; late: number; pending: number }>();
  for (const d of of('admission-notice')) {
    const shelter = input.shelterOf.get(d.conversationId) ?? 'unknown';
    const row = byShelter.get(shelter) ?? { total: 0, late: 0, pending: 0 };
    row.total++;
    if (state(d) === 'overdue') row.late++;
    if (state(d) === 'pending') row.pending++;
    byShelter.set(shelter, row);
  }

  const notices = of('street-sleeper-response');
  return {
    today,
    stays: {
      total: stays.length,
      over120Days: over120,
      completed: lengths.length,
      averageDaysCompleted: lengths.length ? Math.round((lengths.reduce((a, b) => a + b, 0) / lengths.length) * 10) / 10 : null,
      source: 'Herning masterplan 2017 and Albertslund plan 2009: at most 120 days; admission and discharge days both count',
    },
    admissionNoticesPerShelterMunicipality: [...byShelter].sort(([a], [b]) => a.localeCompare(b)).map(([shelterMunicipality, row]) => ({ shelterMunicipality, ...row })),
    streetSleeperNotices: {
      total: notices.length,
      answeredInTime: count(notices, (d) => state(d) === 'met'),
      answeredLate: count(notices, (d) => d.metOn !== null && state(d) === 'overdue'),
      unansweredOverdue: count(notices, (d) => d.metOn === null && state(d) === 'overdue'),
      pending: count(notices, (d) => state(d) === 'pending'),
    },
  };
}
