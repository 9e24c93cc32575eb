import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../services/gateway/src/data/hash-chain.ts';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { CheckpointWatch } from '../../services/gateway/src/use-cases/checkpoints.ts';
import { TestFederation, asUser, eventually, sendUnchecked } from '../helpers/nodes.ts';
import { adminQuery } from '../helpers/postgres.ts';

/**
 * Rewrites the audit log from entry `from` on as the database's owner would: triggers off, the
 * entry changed, and its hash and every later one recomputed, so the chain alone still links.
 */
async function rewriteAuditTail(database: string, from: number): Promise<void> {
  const { rows } = await adminQuery(
    `SELECT seq, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, outcome, code, "messageId", detail, "prevHash"
     FROM "AuditEntry" WHERE seq >= ${from - 1} ORDER BY seq`,
    database,
  );
  const updates: string[] = [];
  let prevHash = rows[0].seq === from ? rows[0].prevHash : undefined;
  for (const row of rows) {
    if (row.seq < from) {
      prevHash = (await adminQuery(`SELECT hash FROM "AuditEntry" WHERE seq = ${row.seq}`, database)).rows[0].hash;
      continue;
    }
    const actor = row.seq === from ? 'someone-else' : row.actor;
    const hash = entryHash({ seq: row.seq, at: row.at, actor, action: row.action, outcome: row.outcome, code: row.code, messageId: row.messageId, detail: row.detail }, prevHash!);
    updates.push(`UPDATE "AuditEntry" SET actor = '${actor}', "prevHash" = '${prevHash}', hash = '${hash}' WHERE seq = ${row.seq};`);
    prevHash = hash;
  }
  await adminQuery(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER; ${updates.join(' ')} ALTER TABLE "AuditEntry" ENABLE TRIGGER USER;`, database);
}

// Herning (657) checkpoints its logs; København (101), its one partner, keeps them as a witness.
describe('log checkpoints: when Herning signs the heads of its logs and København witnesses them', () => {
  const federation = new TestFederation();
  const admin = (code: string) => asUser(federation.get(code), 'admin');
  let checkpoint: { at: string; audit: { seq: number; hash: string }; consent: { seq: number }; jws: string };

  beforeAll(async () => {
    // No checkpoint by the clock during the test: each is made on purpose.
    await federation.start(['101', '657'], { env: { KB_CHECKPOINT_INTERVAL_MS: String(24 * 3600_000) } });
    await federation.consent('657', { recipients: ['101'] });
    for (const label of ['a', 'b', 'c']) expect((await admin('657').post('/admin/tokens', { role: 'caseworker', label })).status).toBe(201);
  }, 90_000);
  afterAll(() => federation.stop());

  it('when an admin makes a checkpoint, then the node signs both heads, keeps it and sends it to its partner', async () => {
    const heads = await federation.get('657').node.parts.checkpoints.heads();
    const made = await admin('657').post('/checkpoints', {});
    expect(made.status).toBe(201);
    expect(made.body.sentTo).toEqual(['101']);
    checkpoint = made.body.checkpoint;
    expect(checkpoint.audit).toEqual(heads.audit);
    expect(checkpoint.consent).toEqual(heads.consent);
    expect(checkpoint.consent.seq).toBeGreaterThan(0);
    const listed = await admin('657').get('/checkpoints');
    expect(listed.body.checkpoints[0]).toEqual(checkpoint);
  });

  it('when the checkpoint arrives at the partner, then the partner keeps it as a witness and gives it out as a witness file', async () => {
    const file = await eventually('the witness at 101', async () => {
      const res = await admin('101').get('/checkpoints/witnessed?from=657');
      return res.body.checkpoints?.length === 1 ? res.body : undefined;
    });
    expect(file).toMatchObject({ witnessedBy: '101', from: '657', checkpoints: [{ from: '657', at: checkpoint.at, auditSeq: checkpoint.audit.seq, consentSeq: checkpoint.consent.seq, jws: checkpoint.jws }] });
    expect((await admin('101').get('/checkpoints/witnessed?from=999')).body.code).toBe('query_invalid');
    expect((await asUser(federation.get('101'), 'caseworker').get('/checkpoints/witnessed?from=657')).status).toBe(403);
  });

  it('when the logs are intact, then verify holds each chain against the checkpoint and passes', async () => {
    const audit = await admin('657').get('/audit/verify');
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ ok: true, checkpoints: [{ seq: checkpoint.audit.seq, label: `own checkpoint of ${checkpoint.at}` }] });
    const consents = await admin('657').get('/consents/verify');
    expect(consents.status).toBe(200);
    expect(consents.body).toMatchObject({ ok: true, checkpoints: [{ seq: checkpoint.consent.seq }] });
  });

  it('when a user posts an audit.checkpoint through POST /messages, then it is refused: only the node sends it', async () => {
    const res = await admin('657').post('/messages', { type: 'audit.checkpoint', to: '101', payload: { checkpoint: checkpoint.jws } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('system_only');
  });

  describe('when the database owner rewrites the tail of the audit log', () => {
    it('when the last entry the checkpoint covers is rewritten with its hash and every later hash recomputed, then the chain alone verifies but verify reports the break at the checkpoint sequence', async () => {
      const node = federation.get('657');
      await rewriteAuditTail(node.databaseName, checkpoint.audit.seq);
      expect((await node.node.parts.audit.verify()).ok).toBe(true);
      const res = await admin('657').get('/audit/verify');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        ok: false,
        firstBroken: { seq: checkpoint.audit.seq, reason: `its hash is not the one signed in the own checkpoint of ${checkpoint.at}: this entry or one before it was rewritten` },
      });
    });

    it("when the owner also deletes the node's own checkpoints, then the node alone sees nothing, but the partner's witness file exposes the rewrite", async () => {
      const node = federation.get('657');
      await adminQuery(`ALTER TABLE "Checkpoint" DISABLE TRIGGER USER; DELETE FROM "Checkpoint"; ALTER TABLE "Checkpoint" ENABLE TRIGGER USER;`, node.databaseName);
      expect((await admin('657').get('/audit/verify')).body).toMatchObject({ ok: true, checkpoints: [] });
      const witnessFile = (await admin('101').get('/checkpoints/witnessed?from=657')).body;
      const res = await admin('657').post('/logs/verify', { witnesses: [witnessFile] });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ ok: false, rejected: [], consent: { ok: true }, audit: { ok: false, firstBroken: { seq: checkpoint.audit.seq } } });
      expect(res.body.audit.firstBroken.reason).toBe(`its hash is not the one signed in the checkpoint witnessed by 101 (signed ${checkpoint.at}): this entry or one before it was rewritten`);
    });

    it('when the owner deletes the entries from the one before the checkpoint on, then the witness reports the entries deleted at the checkpoint sequence', async () => {
      const node = federation.get('657');
      await adminQuery(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER; DELETE FROM "AuditEntry" WHERE seq >= ${checkpoint.audit.seq - 1}; ALTER TABLE "AuditEntry" ENABLE TRIGGER USER;`, node.databaseName);
      expect((await node.node.parts.audit.verify()).ok).toBe(true);
      const witnessFile = (await admin('101').get('/checkpoints/witnessed?from=657')).body;
      const res = await admin('657').post('/logs/verify', { witnesses: [witnessFile] });
      expect(res.status).toBe(409);
      expect(res.body.audit.firstBroken).toEqual({
        seq: checkpoint.audit.seq,
        reason: `the checkpoint witnessed by 101 (signed ${checkpoint.at}) signed entry ${checkpoint.audit.seq}, but the log ends at ${checkpoint.audit.seq - 2}: entries were deleted`,
      });
    });
  });

  it("when a witness file carries a checkpoint that this node did not sign, then verify rejects it with the reason", async () => {
    const ofKobenhavn = (await admin('101').post('/checkpoints', {})).body.checkpoint.jws;
    const res = await admin('657').post('/logs/verify', { witnesses: [{ witnessedBy: '101', checkpoints: [{ jws: ofKobenhavn }, { jws: 'not-a-jws' }] }] });
    expect(res.status).toBe(409);
    expect(res.body.rejected).toEqual([
      { label: 'checkpoint witnessed by 101', reason: expect.stringMatching(/^signed with 101-\S+, which is none of this node's keys$/) },
      { label: 'checkpoint witnessed by 101', reason: 'expected three base64url segments' },
    ]);
    expect((await admin('657').post('/logs/verify', { witnesses: 'all of them' })).body.code).toBe('schema_invalid');
  });

  it('when a partner sends a checkpoint signed by it but about another node, then the recipient refuses it as checkpoint_invalid and keeps nothing', async () => {
    const herning = federation.get('657');
    const claims = { kind: 'log-checkpoint', node: '165', at: new Date().toISOString(), audit: checkpoint.audit, consent: { seq: 0, hash: '0'.repeat(64) } };
    const envelope = newEnvelope({ type: 'audit.checkpoint', from: '657', to: '101', payload: { checkpoint: await sign(herning.key, claims) } });
    const before = (await admin('101').get('/checkpoints/witnessed?from=657')).body.checkpoints.length;
    const rejected = await sendUnchecked(herning, envelope);
    expect(rejected.reason?.code).toBe('checkpoint_invalid');
    expect((await admin('101').get('/checkpoints/witnessed?from=657')).body.checkpoints.length).toBe(before);
  });

  describe('the checkpoint watch', () => {
    const watch = (settings: { intervalMs: number; entries: number }, now = () => new Date()) =>
      new CheckpointWatch({ ...federation.get('657').node.parts, now }, { ...settings, checkMs: 60_000 });

    it('when more than the set number of entries were appended since the last checkpoint, then it makes one, and its own sends do not call for the next', async () => {
      const w = watch({ intervalMs: 24 * 3600_000, entries: 2 });
      await admin('657').post('/checkpoints', {});
      expect(await w.check()).toBe(false);
      for (const label of ['d', 'e']) await admin('657').post('/admin/tokens', { role: 'caseworker', label });
      expect(await w.check()).toBe(false);
      await admin('657').post('/admin/tokens', { role: 'caseworker', label: 'f' });
      const head = (await federation.get('657').node.parts.checkpoints.heads()).audit.seq;
      expect(await w.check()).toBe(true);
      expect((await admin('657').get('/checkpoints')).body.checkpoints[0].audit.seq).toBe(head);
      expect(await w.check()).toBe(false);
    });

    it('when the interval passed and something was logged since, then it makes one; with nothing logged, none', async () => {
      const later = () => new Date(Date.now() + 3600_000);
      expect(await watch({ intervalMs: 60_000, entries: 1000 }, later).check()).toBe(false);
      await admin('657').post('/admin/tokens', { role: 'caseworker', label: 'g' });
      expect(await watch({ intervalMs: 7200_000, entries: 1000 }, later).check()).toBe(false);
      expect(await watch({ intervalMs: 60_000, entries: 1000 }, later).check()).toBe(true);
    });
  });
});
