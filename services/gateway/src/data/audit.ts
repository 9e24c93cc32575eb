import type { Prisma } from './db.ts';

export interface AuditEvent {
  actor: string;
  action: string;
  outcome: 'accepted' | 'refused' | 'done' | 'failed';
  code?: string;
  messageId?: string;
  detail?: Record<string, unknown>;
}

export const auditColumns = (event: AuditEvent) => ({ ...event, detail: event.detail as object | undefined });

export class AuditRepository {
  constructor(private readonly prisma: Prisma) {}

  async record(event: AuditEvent): Promise<void> {
    await this.prisma.auditEntry.create({ data: auditColumns(event) });
  }

  async forMessage(messageId: string): Promise<AuditEvent[]> {
    return this.list({ messageId });
  }

  async list(where: { messageId?: string; code?: string; action?: string }, limit = 1000): Promise<AuditEvent[]> {
    const rows = await this.prisma.auditEntry.findMany({ where, orderBy: { id: 'asc' }, take: limit });
    return rows.map((r) => ({
      actor: r.actor,
      action: r.action,
      outcome: r.outcome as AuditEvent['outcome'],
      code: r.code ?? undefined,
      messageId: r.messageId ?? undefined,
      detail: (r.detail as Record<string, unknown> | null) ?? undefined,
    }));
  }
}
