import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TestFederation, asUser, eventually, roleToken } from '../helpers/nodes.ts';
import { adminQuery, adminUrl, databaseUrl, nodeDatabaseUrl } from '../helpers/postgres.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { buildOnce, compiledCli, freePort, startCompiledNode, type CompiledNode } from './compiled.ts';

// docs/OPERATIONS.md, "Backup" and "Restore", command by command, on the real PostgreSQL and RabbitMQ.
const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...env } });

describe('backup and restore: when København (101) is backed up, lost and restored into a new database', () => {
  const federation = new TestFederation();
  const work = mkdtempSync(path.join(tmpdir(), 'kb-backup-'));
  const restoredName = `kb_restored_${randomBytes(4).toString('hex')}`;
  const pg = new URL(adminUrl);
  let backup: string;
  let before: { audit: number; consents: number; kid: string; encryptionKid: string; noticeId: string; conversationId: string };
  let restored: CompiledNode | undefined;

  beforeAll(async () => {
    buildOnce();
    await federation.start(['101', '165']);
    const kbh = federation.get('101');
    const consentId = await federation.consent('101');
    const notice = await asUser(kbh, 'outreach').send(noticeRequest('165', { consentId }));
    const verified = async (what: 'audit' | 'consents') => (await asUser(kbh, 'admin').get(`/${what}/verify`)).body.entries as number;
    before = { audit: await verified('audit'), consents: await verified('consents'), kid: kbh.key.kid, encryptionKid: kbh.node.parts.ownKeys.status().encryption.current, noticeId: notice.id, conversationId: notice.conversationId };
  }, 180_000);
  afterAll(async () => {
    await restored?.stop();
    await federation.stop();
    await adminQuery(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
    rmSync(work, { recursive: true, force: true });
  });

  it('when deploy/ops/backup.sh runs on the live node, then it writes a database dump, the key archive and their checksums', () => {
    const out = run('sh', ['deploy/ops/backup.sh', databaseUrl(federation.get('101').databaseName), federation.keyDir('101'), path.join(work, 'backups')]);
    backup = out.trim().split('\n').pop()!;
    expect(path.dirname(backup)).toBe(path.join(work, 'backups'));
    expect(readFileSync(path.join(backup, 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}database\.dump\n[0-9a-f]{64} {2}keys\.tar\.gz\n$/);
  });

  it("when the node is lost and the backup is restored into a new, empty database, then the owner's setup step finds no migration to do and grants the node role again", async () => {
    await federation.stopNode('101');
    run('createdb', [`--host=${pg.hostname}`, `--port=${pg.port || '5432'}`, `--username=${decodeURIComponent(pg.username)}`, restoredName]);
    const out = run('sh', ['deploy/ops/restore.sh', backup, databaseUrl(restoredName), path.join(work, 'keys-101')]);
    expect(out).toContain(`restored ${backup}`);
    const setup = run('node', ['dist/gateway/src/setup-database.js'], { DATABASE_OWNER_URL: databaseUrl(restoredName), DATABASE_URL: nodeDatabaseUrl(restoredName), PGLITE_DIR: '' });
    expect(setup).toContain('No pending migrations to apply');
    expect(setup).toContain('role kb_test_node may only read and append to the logs');
  }, 60_000);

  it('when restore.sh is pointed at a key folder that already holds a key, then it refuses', () => {
    expect(() => run('sh', ['deploy/ops/restore.sh', backup, databaseUrl(restoredName), path.join(work, 'keys-101')])).toThrow(/already holds a signing key/);
  });

  it('when a compiled node starts with its own role on the restored database and keys, then both chains verify with every entry, and it signs with the same key', async () => {
    const admin = roleToken('101', 'admin');
    restored = await startCompiledNode({
      KB_MUNICIPALITY: '101',
      DATABASE_URL: nodeDatabaseUrl(restoredName),
      AMQP_URL: federation.brokerUrl('101'),
      KB_BROKER_USER_PREFIX: federation.brokerPrefix,
      KB_EXCHANGE: federation.exchange,
      KB_KEY_DIR: path.join(work, 'keys-101'),
      KB_TRUST_DIR: federation.trustDir,
      KB_TOKENS: `${admin}=admin`,
    }, await freePort());
    const verify = compiledCli(['--node', restored.url, '--token', admin, 'logs', 'verify']);
    expect(verify.out).toContain(`audit log: intact, ${before.audit} entries`);
    expect(verify.out).toContain(`consent log: intact, ${before.consents} entries`);
    expect(verify.code).toBe(0);
    const jwks = (await (await fetch(`${restored.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    // The same encryption key too: partners keep encrypting to it.
    expect(jwks.keys.map((k) => k.kid)).toEqual([before.kid, before.encryptionKid]);
  }, 60_000);

  it("when Albertslund answers the notice sent before the backup, then the restored node verifies, stores and receipts it", async () => {
    const alb = federation.get('165');
    const response = await asUser(alb, 'caseworker').post('/messages', {
      type: 'street-sleeper.response', to: '101', conversationId: before.conversationId, inReplyTo: before.noticeId,
      payload: { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'shelter-place', date: '2026-11-30' } },
    });
    expect(response.status).toBe(202);
    await eventually('receipt from the restored node', async () => (await alb.node.parts.messages.find(response.body.id))?.status === 'delivered', 20_000);
    const stored = await adminQuery(`SELECT status FROM "Message" WHERE id = '${response.body.id}'`, restoredName);
    expect(stored.rows).toEqual([{ status: 'accepted' }]);
  }, 30_000);
});
