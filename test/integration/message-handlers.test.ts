import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../services/gateway/src/data/db.ts';
import { MessageRepository } from '../../services/gateway/src/data/messages.ts';
import { InvoiceRepository } from '../../services/gateway/src/data/invoices.ts';
import { MessageHandlers } from '../../services/gateway/src/handlers/registry.ts';
import { stayInvoiceHandler } from '../../services/gateway/src/handlers/invoices.ts';
import { Contracts } from '../../services/gateway/src/domain/contracts.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const invoice = (from: string, to: string) =>
  newEnvelope({ type: 'stay-invoice', from, to, payload: { invoiceNumber: 'T-1', periodFrom: '2026-11-01', periodTo: '2026-11-30', lines: [], totalOere: 0 } });

describe('message handlers run inside the transaction that stores their message', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('when a stay invoice is stored as sent, then its invoice record is stored with it', async () => {
    const handlers = new MessageHandlers({ 'stay-invoice': stayInvoiceHandler({ municipality: '161', contracts: new Contracts() }) });
    const e = invoice('161', '165');
    await new MessageRepository(db.prisma).storeOutbound(e, undefined, undefined, handlers.within('sent', e, { now: new Date() }));
    expect((await new InvoiceRepository(db.prisma).find(e.conversationId))?.status).toBe('sent');
  });

  it('when the handler fails, then neither the message nor anything the handler wrote is stored', async () => {
    const failing = new MessageHandlers({
      'stay-invoice': {
        async sent(e, scope) {
          await stayInvoiceHandler({ municipality: '161', contracts: new Contracts() }).sent!(e, scope);
          throw new Error('the handler broke after writing');
        },
      },
    });
    const e = invoice('161', '165');
    await expect(new MessageRepository(db.prisma).storeOutbound(e, undefined, undefined, failing.within('sent', e, { now: new Date() }))).rejects.toThrow('the handler broke');
    expect(await new MessageRepository(db.prisma).find(e.id)).toBeNull();
    expect(await new InvoiceRepository(db.prisma).find(e.conversationId)).toBeNull();
  });

  it('when two handlers are registered for one type, then the second is refused', () => {
    const handlers = new MessageHandlers({ 'stay-invoice': {} });
    expect(() => handlers.register('stay-invoice', {})).toThrow('registered already');
  });
});
