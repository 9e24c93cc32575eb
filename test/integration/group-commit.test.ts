import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from '../../services/gateway/src/monitoring/request-context.ts';
import { appendAudit, AuditRepository } from '../../services/gateway/src/data/audit.ts';
import { appendConsentEntry, ConsentRepository } from '../../services/gateway/src/data/consents.ts';
import { openDatabase, type Database, type Tx } from '../../services/gateway/src/data/db.ts';
import { GroupCommit } from '../../services/gateway/src/data/group-commit.ts';
import { MessageRepository } from '../../services/gateway/src/data/messages.ts';
import { receiptType, signalFor } from '../../services/gateway/src/domain/envelope.ts';
import { noticeEnvelope } from '../helpers/messages.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

describe('group commit: stores that arrive together share one transaction', () => {
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

  /** A group commit that waits long enough for every unit given at once to share one batch. */
  const grouped = () => {
    const group = new GroupCommit(db.transaction, { maxBatch: 64, maxWaitMs: 50 });
    let batches = 0;
    const counting = new GroupCommit(async (work) => {
      batches++;
      return db.transaction(work);
    }, { maxBatch: 64, maxWaitMs: 50 });
    return { group, counting, batches: () => batches };
  };

  it('when one message of a batch is refused, then only it is rolled back and its neighbours are stored', async () => {
    const { counting, batches } = grouped();
    const messages = new MessageRepository(db.prisma, (work) => counting.run(work));
    const [first, second, third] = [noticeEnvelope('101', '165'), noticeEnvelope('101', '165'), noticeEnvelope('101', '165')];
    const refusing = async (tx: Tx) => {
      await tx.auditEntry.count(); // it did some work before failing
      throw new Error('refused inside the batch');
    };
    const results = await Promise.allSettled([
      messages.storeOutbound(first),
      messages.storeOutbound(second, undefined, undefined, refusing),
      messages.storeOutbound(third),
    ]);
    // Run once without savepoints, rolled back when the unit failed, then once with a savepoint per unit.
    expect(batches()).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('refused inside the batch');
    expect((await messages.find(first.id))?.status).toBe('queued');
    expect(await messages.find(second.id)).toBeNull();
    expect((await messages.find(third.id))?.status).toBe('queued');
  });

  it('when no unit of a batch fails, then the batch runs once, in one transaction', async () => {
    const { counting, batches } = grouped();
    const messages = new MessageRepository(db.prisma, (work) => counting.run(work));
    const envelopes = [noticeEnvelope('101', '165'), noticeEnvelope('101', '165'), noticeEnvelope('101', '165')];
    await Promise.all(envelopes.map((e) => messages.storeOutbound(e)));
    expect(batches()).toBe(1);
    for (const e of envelopes) expect((await messages.find(e.id))?.status).toBe('queued');
  });

  it('when audit entries of different requests share a batch, then each names its own request', async () => {
    const { counting, batches } = grouped();
    const audit = new AuditRepository(db.prisma, (work) => counting.run(work));
    const asRequest = (requestId: string | undefined, action: string) =>
      requestId ? requestContext.run({ requestId }, () => audit.record({ actor: 'test', action, outcome: 'done' })) : audit.record({ actor: 'test', action, outcome: 'done' });
    await Promise.all([asRequest('req-A', 'context.a'), asRequest('req-B', 'context.b'), asRequest(undefined, 'context.none')]);
    expect(batches()).toBe(1);
    const written = (await audit.list({})).filter((e) => e.action.startsWith('context.'));
    expect(written.map((e) => [e.action, e.detail?.requestId])).toEqual([['context.a', 'req-A'], ['context.b', 'req-B'], ['context.none', undefined]]);
  });

  it('when one stored message carries two consent entries, then the second links to the first and both logs verify', async () => {
    // The repository's own transaction (no group commit): nothing remembers the chain heads for it.
    const messages = new MessageRepository(db.prisma);
    const consents = new ConsentRepository(db.prisma);
    const e = noticeEnvelope('165', '101');
    const now = new Date();
    const entry = (consentId: string) => ({ kind: 'received' as const, consentId, body: { sender: '165', messageId: e.id } });
    const stored = await messages.storeInbound(e, 'jws', signalFor(e, '101', receiptType, { messageId: e.id, receivedAt: now.toISOString() }, now), now, { actor: 'node:165', action: 'message.receive', outcome: 'accepted', messageId: e.id }, undefined, {
      consentEntries: [entry('two-first'), entry('two-second')],
    });
    expect(stored).toBe(true);
    const written = await consents.entries({ consentId: ['two-first', 'two-second'] });
    expect(written.map((w) => w.consentId)).toEqual(['two-first', 'two-second']);
    expect(written[1]!.seq).toBe(written[0]!.seq + 1);
    expect((await consents.verify()).ok).toBe(true);
    expect((await new AuditRepository(db.prisma).verify()).ok).toBe(true);
  });

  it('when many audit entries arrive at once, then they are appended in the order they came and the chain verifies', async () => {
    const { counting, batches } = grouped();
    const audit = new AuditRepository(db.prisma, (work) => counting.run(work));
    const actions = Array.from({ length: 40 }, (_, i) => `order.${String(i).padStart(2, '0')}`);
    await Promise.all(actions.map((action) => audit.record({ actor: 'test', action, outcome: 'done' })));
    expect(batches()).toBeLessThan(5);
    const written = (await audit.list({})).filter((e) => e.action.startsWith('order.')).map((e) => e.action);
    expect(written).toEqual(actions);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('when transactions outside a group commit append to the same log at once, then each links to the entry the one before it committed', async () => {
    // Each waits for the log's lock and then reads the head (data/guards.ts kommunebro_chain_head):
    // a head read on a snapshot from before the lock was granted would repeat a seq and fail.
    const audit = new AuditRepository(db.prisma, (work) => db.transaction(work));
    const before = (await audit.list({})).length;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => db.transaction(async (tx) => {
        await appendAudit(tx, { actor: 'test', action: `parallel.${i}`, outcome: 'done' });
        await new Promise((r) => setTimeout(r, 5)); // hold the lock a while, so others queue behind it
      })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await audit.list({})).length).toBe(before + 20);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('when a unit appends to both logs and is then refused, then the next unit links to the entries before it and both chains verify', async () => {
    const { counting, batches } = grouped();
    const audit = new AuditRepository(db.prisma);
    const consents = new ConsentRepository(db.prisma);
    const before = (await audit.head()).seq;
    const both = (name: string) => async (tx: Tx) => {
      await appendConsentEntry(tx, { kind: 'given', consentId: `chain-${name}`, body: { name } });
      await appendAudit(tx, { actor: 'test', action: `chain.${name}`, outcome: 'done' });
    };
    const results = await Promise.allSettled([
      counting.run(both('first')),
      counting.run(async (tx) => {
        await both('refused')(tx);
        throw new Error('refused after appending');
      }),
      counting.run(both('third')),
    ]);
    expect(batches()).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const written = (await audit.list({})).filter((e) => e.action.startsWith('chain.'));
    expect(written.map((e) => [e.seq, e.action])).toEqual([
      [before + 1, 'chain.first'],
      [before + 2, 'chain.third'],
    ]);
    expect((await consents.entries({ consentId: ['chain-first', 'chain-refused', 'chain-third'] })).map((e) => e.consentId)).toEqual(['chain-first', 'chain-third']);
    expect((await audit.verify()).ok).toBe(true);
    expect((await consents.verify()).ok).toBe(true);
  });

  it('when the database connection dies in the middle of a batch, then every caller of the batch is told, nothing of it is stored, and a retry stores each once', async () => {
    const { group } = grouped();
    const messages = new MessageRepository(db.prisma, (work) => group.run(work));
    const envelopes = [noticeEnvelope('101', '165'), noticeEnvelope('101', '165'), noticeEnvelope('101', '165')];
    const dying = async (tx: Tx) => {
      await tx.$executeRawUnsafe('SELECT pg_terminate_backend(pg_backend_pid())');
    };
    const results = await Promise.allSettled([
      messages.storeOutbound(envelopes[0]!),
      messages.storeOutbound(envelopes[1]!, undefined, undefined, dying),
      messages.storeOutbound(envelopes[2]!),
    ]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    for (const e of envelopes) expect(await messages.find(e.id)).toBeNull();
    // The callers retry, as the consumer and API clients do.
    await Promise.all(envelopes.map((e) => messages.storeOutbound(e)));
    for (const e of envelopes) expect((await messages.list({ direction: 'out', limit: 1000 })).filter((m) => m.id === e.id)).toHaveLength(1);
  });
});
