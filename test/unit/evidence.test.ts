import { describe, expect, it } from 'vitest';
import { generateSigningKey, sign, type PublicJwk } from '../../services/gateway/src/crypto/jws.ts';
import { phoneFingerprint } from '../../services/gateway/src/crypto/keys.ts';
import { auditEntryContent, entryHash, genesisHash } from '../../services/gateway/src/domain/chain-hash.ts';
import { auditHashing, checkAuditEntries, evidenceFormat, type EvidenceBundle, type HashedEntry } from '../../services/gateway/src/domain/evidence.ts';
import { verifyEvidence } from '../../services/gateway/src/cli/evidence.ts';

// The offline check of an evidence bundle (cli/evidence.ts) on a bundle made by hand: a late
// admission notice, and audit entries whose chain order or links are wrong.

function chain(count: number): HashedEntry[] {
  const entries: HashedEntry[] = [];
  let prevHash = genesisHash;
  for (let seq = 1; seq <= count; seq++) {
    const e = { seq, at: `2026-12-0${seq}T09:00:00.000Z`, actor: 'test', action: 'message.send', outcome: 'accepted', messageId: 'm-1' };
    const hash = entryHash(auditEntryContent(e), prevHash);
    entries.push({ ...e, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

async function lateAdmissionBundle(): Promise<EvidenceBundle> {
  const [shelter, handling] = [await generateSigningKey('161'), await generateSigningKey('165')];
  const signer = (key: typeof shelter) => ({ kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk });
  // Decided Tuesday 1 December, sent Monday 7 December: after the third working day (Friday 4 December).
  const message = { id: 'm-1', type: 'shelter.admission-notice', from: '161', to: '165', conversationId: 'c-1', createdAt: '2026-12-07T09:00:00.000Z', expiresAt: '2027-01-06T09:00:00.000Z', payload: { admissionDecisionDate: '2026-12-01' } };
  const receipt = { id: 'r-1', type: 'receipt', from: '165', to: '161', conversationId: 'c-1', inReplyTo: 'm-1', createdAt: '2026-12-07T09:01:00.000Z', expiresAt: '2027-01-06T09:01:00.000Z', payload: { messageId: 'm-1', receivedAt: '2026-12-07T09:01:00.000Z' } };
  const key = async (k: typeof shelter, municipality: string, owner: 'issuer' | 'partner') => ({
    kid: k.kid, municipality, jwk: k.toJSON() as Record<string, unknown>, fingerprint: await phoneFingerprint(k.toJSON()), owner, stateNow: 'active', stateAtUse: 'active', basis: 'test',
  });
  return {
    format: evidenceFormat,
    issuedBy: { municipality: '161', name: 'Glostrup' },
    issuedAt: '2026-12-08T09:00:00.000Z',
    message: { id: 'm-1', direction: 'out', type: message.type, from: '161', to: '165', conversationId: 'c-1', createdAt: message.createdAt, status: 'delivered', jws: await sign(signer(shelter), message) },
    signal: { type: 'receipt', from: '165', to: '161', messageId: 'm-1', receivedAt: receipt.payload.receivedAt, jws: await sign(signer(handling), receipt) },
    keys: [await key(shelter, '161', 'issuer'), await key(handling, '165', 'partner')],
    audit: { hashing: auditHashing, genesisHash, head: { seq: 1, hash: chain(1)[0]!.hash }, entries: chain(1) },
    deadlines: [{
      deadline: 'admission-notice', title: 'Shelter tells the handling municipality about the admission', kind: 'deadline', basis: 'statute', reference: 'Serviceloven § 110 stk. 6',
      relation: 'met-by-message', rule: { startsWith: { type: 'shelter.admission-notice', dateField: 'admissionDecisionDate' }, duration: { amount: 3, unit: 'working-days' }, agreementId: null },
      startOn: '2026-12-01', dueOn: '2026-12-04', calendar: '', metOn: '2026-12-07', metByMessageId: 'm-1', cancelled: false, state: 'overdue', judgedOn: '2026-12-08', startedBy: null,
    }],
  };
}

describe('evidence bundle check (cli/evidence.ts)', () => {
  it('when a notice was sent after its deadline, then the bundle holds and says the deadline was missed', async () => {
    const report = await verifyEvidence(await lateAdmissionBundle());
    expect(report.findings.filter((f) => !f.ok)).toEqual([]);
    const danish = report.proves.map((s) => s.da).join('\n');
    expect(danish).toContain('Albertslund modtog meddelelsen om optagelse 7. december 2026 kl. 10.01, efter fristen på 3 hverdage efter afgørelsen om optagelse (1. december 2026; fristen udløb 4. december 2026)');
  });

  it('when the bundle calls a late notice met, or moves its start away from the signed date, then it does not hold', async () => {
    const met = await lateAdmissionBundle();
    met.deadlines[0]!.state = 'met';
    expect((await verifyEvidence(met)).findings.filter((f) => !f.ok).map((f) => f.check)).toEqual(['deadline admission-notice: its state is met']);
    const moved = await lateAdmissionBundle();
    Object.assign(moved.deadlines[0]!, { startOn: '2026-12-03', dueOn: '2026-12-08' });
    expect((await verifyEvidence(moved)).findings.filter((f) => !f.ok).map((f) => f.check)).toEqual(['deadline admission-notice: its start 2026-12-03 is in the signed shelter.admission-notice', 'deadline admission-notice: its state is overdue']);
  });

  it('when audit entries are reordered or one no longer links to the one before, then the check says which', () => {
    expect(checkAuditEntries(chain(3)).every((f) => f.ok)).toBe(true);
    const [a, b, c] = chain(3);
    expect(checkAuditEntries([a!, c!, b!]).filter((f) => !f.ok).map((f) => f.check)).toEqual(['audit entries are in chain order (3 before 2)']);
    const relinked = { ...b!, prevHash: genesisHash };
    relinked.hash = entryHash(auditEntryContent(relinked), relinked.prevHash);
    expect(checkAuditEntries([a!, relinked, c!]).filter((f) => !f.ok).map((f) => f.check)).toEqual(['audit entry 2 links to entry 1', 'audit entry 3 links to entry 2']);
  });

  it('when the file is not a bundle, then it does not hold', async () => {
    expect((await verifyEvidence({ format: 'something-else' })).ok).toBe(false);
    expect((await verifyEvidence(null)).ok).toBe(false);
  });
});
