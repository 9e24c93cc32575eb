import { addWorkingDays, copenhagenDate } from '../domain/calendar.ts';
import { deadlineStatus, type DeadlineStatus } from '../domain/conversation.ts';
import type { DeadlineRecord } from '../data/conversations.ts';
import type { Parts } from '../parts.ts';
import { Periodic } from './periodic.ts';

type Deps = Pick<Parts, 'conversations' | 'audit' | 'metrics' | 'log' | 'now'>;

export interface DeadlineView {
  conversationId: string;
  deadline: string;
  kind: string;
  title: string;
  reference: string;
  startOn: string;
  dueOn: string;
  state: DeadlineStatus;
  /** Pending and due today or on the next working day. */
  dueSoon: boolean;
  metOn: string | null;
  metByMessageId: string | null;
}

export function deadlineView(d: DeadlineRecord, today: string): DeadlineView {
  const state = deadlineStatus(d, today);
  return {
    conversationId: d.conversationId,
    deadline: d.deadlineId,
    kind: d.kind,
    title: d.title,
    reference: d.reference,
    startOn: d.startOn,
    dueOn: d.dueOn,
    state,
    dueSoon: state === 'pending' && d.dueOn <= addWorkingDays(today, 1),
    metOn: d.metOn,
    metByMessageId: d.metByMessageId,
  };
}

/** Deadlines of every conversation, or of one, in a state: earliest due first. */
export async function listDeadlines(deps: Pick<Parts, 'conversations' | 'now'>, filter: { conversationId?: string; state?: string } = {}) {
  const today = copenhagenDate(deps.now());
  const views = (await deps.conversations.deadlines({ conversationId: filter.conversationId })).map((d) => deadlineView(d, today));
  return { today, deadlines: views.filter((d) => !filter.state || d.state === filter.state) };
}

/**
 * Raises an alert once for every deadline that passes unmet (log warning, audit entry, metric),
 * and keeps the overdue gauge current at each scrape.
 */
export class DeadlineWatch {
  private readonly periodic: Periodic;

  constructor(private readonly deps: Deps, intervalMs = 60_000) {
    const today = () => copenhagenDate(deps.now());
    deps.metrics.sources.countOverdue = () => deps.conversations.countOverdue(today());
    this.periodic = new Periodic(() => this.check(), intervalMs, (error) => deps.log.warn({ err: error.message }, 'deadline check failed'));
  }

  /** Returns the deadlines that became overdue since the last check. */
  async check(): Promise<DeadlineView[]> {
    const { deps } = this;
    const now = deps.now();
    const today = copenhagenDate(now);
    const overdue = await deps.conversations.newlyOverdue(today);
    for (const d of overdue) {
      await deps.conversations.markAlerted(d.conversationId, d.deadlineId, now);
      deps.metrics.deadlineAlerts.inc({ deadline: d.deadlineId, kind: d.kind });
      deps.log.warn({ conversationId: d.conversationId, deadline: d.deadlineId, kind: d.kind, dueOn: d.dueOn }, d.kind === 'alert' ? 'alert reached' : 'deadline overdue');
      await deps.audit.record({ actor: 'deadline-watch', action: 'deadline.overdue', outcome: 'done', detail: { conversationId: d.conversationId, deadline: d.deadlineId, dueOn: d.dueOn } });
    }
    return overdue.map((d) => deadlineView(d, today));
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
