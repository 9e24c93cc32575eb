import { describe, expect, it } from 'vitest';
import { computeReport, type ReportDeadline } from '../../services/gateway/src/domain/reports.ts';

const d = (conversationId: string, deadlineId: string, startOn: string, dueOn: string, metOn: string | null = null): ReportDeadline => ({ conversationId, deadlineId, startOn, dueOn, metOn, cancelledAt: null });

describe('reports', () => {
  it('when stays, admission notices and street-sleeper answers are on record, then each figure counts exactly', () => {
    const report = computeReport({
      today: '2027-06-01',
      deadlines: [
        d('s1', 'stay-120-days', '2026-11-23', '2027-03-23', '2027-02-15'), // 85 days
        d('s2', 'stay-120-days', '2026-11-01', '2027-03-01', '2027-03-10'), // 130 days
        d('s3', 'stay-120-days', '2027-01-01', '2027-05-01'), // still there after 120 days
        d('s1', 'admission-notice', '2026-11-23', '2026-11-26', '2026-11-24'),
        d('s2', 'admission-notice', '2026-11-01', '2026-11-04', '2026-11-06'), // late
        d('s3', 'admission-notice', '2027-01-01', '2027-01-06', '2027-01-05'),
        d('n1', 'street-sleeper-response', '2027-05-03', '2027-05-05', '2027-05-04'),
        d('n2', 'street-sleeper-response', '2027-05-03', '2027-05-05', '2027-05-07'),
        d('n3', 'street-sleeper-response', '2027-05-03', '2027-05-05'),
        d('n4', 'street-sleeper-response', '2027-05-31', '2027-06-02'),
      ],
      shelterOf: new Map([['s1', '161'], ['s2', '161'], ['s3', '159']]),
      dischargeOf: new Map([['s1', '2027-02-15'], ['s2', '2027-03-10']]),
    });
    expect(report.stays).toMatchObject({ total: 3, over120Days: 2, completed: 2, averageDaysCompleted: 107.5 });
    expect(report.admissionNoticesPerShelterMunicipality).toEqual([
      { shelterMunicipality: '159', total: 1, late: 0, pending: 0 },
      { shelterMunicipality: '161', total: 2, late: 1, pending: 0 },
    ]);
    expect(report.streetSleeperNotices).toEqual({ total: 4, answeredInTime: 1, answeredLate: 1, unansweredOverdue: 1, pending: 1 });
  });
});
