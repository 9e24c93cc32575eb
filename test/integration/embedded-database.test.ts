import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateEmbedded, migrationsDir } from '../../services/gateway/src/data/migrate.ts';
import { openDatabase } from '../../services/gateway/src/data/db.ts';
import { MessageRepository } from '../../services/gateway/src/data/messages.ts';
import { AuditRepository } from '../../services/gateway/src/data/audit.ts';
import { noticeEnvelope } from '../helpers/messages.ts';

describe('embedded PGlite database (DATABASE_URL unset)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when a node opens a new folder, then it is migrated once, recorded as Prisma records it, and usable through Prisma', async () => {
    const db = await openDatabase({ pgliteDir: path.join(dir, 'db') });
    const messages = new MessageRepository(db.prisma);
    const envelope = noticeEnvelope('101', '165');
    await messages.storeOutbound(envelope);
    expect((await messages.find(envelope.id))?.status).toBe('queued');
    await db.close();

    const pglite = new PGlite(path.join(dir, 'db'));
    try {
      expect(await migrateEmbedded(pglite)).toEqual([]);
      const recorded = await pglite.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations"');
      const onDisk = readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      expect(recorded.rows.map((r) => r.migration_name).sort()).toEqual(onDisk);
      expect(recorded.rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await pglite.close();
    }
  });

  it('when the same inbound message is stored twice on PGlite, then the second store reports a replay and the audit chain verifies', async () => {
    const db = await openDatabase({ pgliteDir: path.join(dir, 'replay') });
    try {
      const messages = new MessageRepository(db.prisma);
      const envelope = noticeEnvelope('165', '101');
      const receipt = { ...noticeEnvelope('101', '165'), type: 'receipt', inReplyTo: envelope.id };
      const audit = { actor: 'node:165', action: 'message.receive', outcome: 'accepted' as const, messageId: envelope.id };
      expect(await messages.storeInbound(envelope, 'jws', receipt, new Date(), audit)).toBe(true);
      expect(await messages.storeInbound(envelope, 'jws', receipt, new Date(), audit)).toBe(false);
      expect((await messages.find(envelope.id))?.status).toBe('accepted');
      expect((await new AuditRepository(db.prisma).verify()).entries).toBe(1);
    } finally {
      await db.close();
    }
  });
});
