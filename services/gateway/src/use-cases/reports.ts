import { copenhagenDate } from '../domain/calendar.ts';
import { computeReport } from '../domain/reports.ts';
import type { Parts } from '../parts.ts';

/** This node's figures for the seed plans' targets (domain/reports.ts). */
export async function nodeReport(deps: Pick<Parts, 'municipality' | 'conversations' | 'messages' | 'contracts' | 'now'>) {
  const today = copenhagenDate(deps.now());
  const { rule } = deps.contracts.billing();
  const stays = await deps.conversations.list({ model: rule.stayModel, limit: 100_000 });
  const discharges = await deps.messages.list({ type: rule.closes.type, limit: 1000 });
  const report = computeReport({
    today,
    deadlines: await deps.conversations.deadlines(),
    shelterOf: new Map(stays.map((c) => [c.id, c.roles[rule.roles.shelter ?? 'shelter'] ?? 'unknown'])),
    dischargeOf: new Map(discharges.filter((m) => m.status !== 'rejected' && m.status !== 'failed').map((m) => [m.conversationId, (m.payload as Record<string, string>)[rule.closes.date]!])),
  });
  return { municipality: deps.municipality, ...report };
}
