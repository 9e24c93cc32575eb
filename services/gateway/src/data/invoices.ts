import type { BillingRule } from '../domain/contracts.ts';
import type { InvoiceLine, ReconciledLine, Stay } from '../domain/invoicing.ts';
import { billableStay, billingTypes, type StayNotice } from '../domain/billable-stays.ts';
import type { Prisma, Tx } from './db.ts';

export interface InvoiceRecord {
  id: string;
  number: string;
  direction: 'in' | 'out';
  shelterCode: string;
  payingCode: string;
  periodFrom: string;
  periodTo: string;
  lines: ReconciledLine[];
  totalOere: number;
  status: 'sent' | 'received' | 'answered' | 'reconciled';
  messageId: string;
  answerId: string | null;
  createdAt: string;
  updatedAt: string;
}

type Row = Awaited<ReturnType<Prisma['invoice']['findFirstOrThrow']>>;

const toRecord = (r: Row): InvoiceRecord => ({
  ...r,
  direction: r.direction as InvoiceRecord['direction'],
  status: r.status as InvoiceRecord['status'],
  lines: r.lines as unknown as ReconciledLine[],
  totalOere: Number(r.totalOere),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export class InvoiceRepository {
  constructor(private readonly prisma: Tx) {}

  async save(invoice: Omit<InvoiceRecord, 'createdAt' | 'updatedAt' | 'answerId'> & { answerId?: string | null }): Promise<InvoiceRecord> {
    const data = { ...invoice, lines: invoice.lines as object[], totalOere: BigInt(invoice.totalOere) };
    return toRecord(await this.prisma.invoice.upsert({ where: { id: invoice.id }, create: data, update: data }));
  }

  async update(id: string, fields: Partial<Pick<InvoiceRecord, 'lines' | 'status' | 'answerId'>>): Promise<InvoiceRecord> {
    return toRecord(await this.prisma.invoice.update({ where: { id }, data: { ...fields, lines: fields.lines as object[] | undefined } }));
  }

  async find(id: string): Promise<InvoiceRecord | null> {
    const row = await this.prisma.invoice.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async list(where: { direction?: 'in' | 'out' } = {}): Promise<InvoiceRecord[]> {
    return (await this.prisma.invoice.findMany({ where, orderBy: { createdAt: 'desc' } })).map(toRecord);
  }

  /** Lines of earlier received invoices from `shelterCode` that were accepted (after any override). */
  async acceptedLines(shelterCode: string, exceptId: string): Promise<InvoiceLine[]> {
    const rows = await this.prisma.invoice.findMany({ where: { direction: 'in', shelterCode, id: { not: exceptId } }, orderBy: { createdAt: 'asc' } });
    return rows.flatMap((r) => (r.lines as unknown as ReconciledLine[]).filter((l) => l.outcome === 'accepted'));
  }

  /** Accepted lines of every earlier received invoice, for the yearly refusion cap. */
  async allAcceptedLines(exceptId: string): Promise<InvoiceLine[]> {
    const rows = await this.prisma.invoice.findMany({ where: { direction: 'in', id: { not: exceptId } }, orderBy: { createdAt: 'asc' } });
    return rows.flatMap((r) => (r.lines as unknown as ReconciledLine[]).filter((l) => l.outcome === 'accepted'));
  }

  /**
   * The stays this node knows from the messages of the stay model's conversations where `biller`
   * runs the shelter, with the days `payer` pays for (domain/billable-stays.ts), as the billing
   * model declares them.
   */
  async stays(rule: BillingRule, biller: string, payer: string): Promise<Stay[]> {
    const billerRole = rule.roles.shelter;
    if (!billerRole) return [];
    const conversations = await this.prisma.conversation.findMany({ where: { model: rule.stayModel, roles: { path: [billerRole], equals: biller } }, select: { id: true } });
    const ids = conversations.map((c) => c.id);
    if (ids.length === 0) return [];
    const notices = await this.prisma.message.findMany({
      where: { conversationId: { in: ids }, type: { in: billingTypes(rule) }, status: { notIn: ['rejected', 'failed'] } },
      orderBy: { createdAt: 'asc' },
      select: { conversationId: true, type: true, fromCode: true, toCode: true, payload: true },
    });
    return ids.flatMap((id) => billableStay(rule, id, biller, payer, notices.filter((n) => n.conversationId === id) as StayNotice[]) ?? []);
  }
}
