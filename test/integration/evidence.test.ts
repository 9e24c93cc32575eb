import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { admissionRequest, noticeRequest } from '../helpers/messages.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { verifyEvidence, verifyEvidenceText } from '../../services/gateway/src/cli/evidence.ts';
import type { EvidenceBundle } from '../../services/gateway/src/domain/evidence.ts';

// Evidence bundles (GET /messages/:id/evidence) from real exchanges, checked offline (cli/evidence.ts).
let now = new Date('2026-12-03T09:14:00Z'); // 10.14 in Copenhagen
const clock = () => now;

/** The same text with one character changed to another base64url character. */
const changeOne = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
/** The last character with only its spare low bit changed: base64url that decodes to the same 64 bytes. */
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const changeSpareBit = (jws: string) => jws.slice(0, -1) + alphabet[alphabet.indexOf(jws.at(-1)!) ^ 1];
const copy = (bundle: EvidenceBundle): EvidenceBundle => structuredClone(bundle);
const failed = (report: { findings: { ok: boolean; check: string }[] }) => report.findings.filter((f) => !f.ok).map((f) => f.check);

describe('evidence bundles: when Solvang (161) and Albertslund (165) exchange signed messages', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['161', '165', '101'], { now: clock }), 120_000);
  afterAll(() => federation.stop());

  const evidence = (code: string, id: string, role: 'caseworker' | 'admin' | 'outreach' = 'caseworker') =>
    fetch(`${federation.get(code).url}/messages/${id}/evidence`, { headers: { authorization: `Bearer ${federation.get(code).token(role)}` } });
  /** The bundle once the signal is in it (our own receipt is kept when the relay has published it). */
  const bundleOf = (code: string, id: string) =>
    eventually(`evidence of ${id} at ${code}`, async () => {
      const body = (await (await evidence(code, id)).json()) as EvidenceBundle;
      return body.signal ? body : undefined;
    });

  let admission: { id: string; conversationId: string };
  let outbound: EvidenceBundle;

  it("when the shelter sent an admission notice that Albertslund received, then the sender's bundle verifies offline and says so in Danish and English", async () => {
    admission = await asUser(federation.get('161'), 'shelter').send(admissionRequest('161', '165', 'solvang', {}, '2026-12-01'));
    const res = await evidence('161', admission.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="evidence-${admission.id}.json"`);
    outbound = (await res.json()) as EvidenceBundle;
    expect(outbound).toMatchObject({ format: 'kommunebro-evidence/1', issuedBy: { municipality: '161', name: 'Glostrup' }, message: { id: admission.id, direction: 'out', status: 'delivered' }, signal: { type: 'receipt', from: '165', to: '161', messageId: admission.id } });
    expect(outbound.keys.map((k) => [k.municipality, k.owner, k.stateNow, k.stateAtUse])).toEqual([['161', 'issuer', 'current', 'signing key'], ['165', 'partner', 'active', 'active']]);
    expect(outbound.keys[1]!.fingerprint).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
    expect(outbound.audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['key.import', 'message.send']));
    const met = outbound.deadlines.find((d) => d.deadline === 'admission-notice')!;
    expect(met).toMatchObject({ relation: 'met-by-message', startOn: '2026-12-01', dueOn: '2026-12-04', metOn: '2026-12-03', state: 'met', basis: 'statute', rule: { duration: { amount: 3, unit: 'working-days' } } });
    expect(outbound.deadlines.find((d) => d.deadline === 'stay-plan')).toMatchObject({ relation: 'started-by-message', state: 'pending' });

    const report = await verifyEvidence(outbound);
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    const danish = report.proves.map((s) => s.da).join('\n');
    expect(danish).toContain('Albertslund modtog meddelelsen om optagelse 3. december 2026 kl. 10.14, inden for 3 hverdage efter afgørelsen om optagelse (1. december 2026; fristen udløb 4. december 2026)');
    expect(danish).toContain('Glostrup sendte meddelelsen om optagelse til Albertslund 3. december 2026 kl. 10.14');
    expect(report.proves.map((s) => s.en).join('\n')).toContain('Albertslund received the admission notice on 3 December 2026 at 10:14, within 3 working days after the admission decision');
  });

  it('when the same message is asked for at the recipient, then its bundle holds our own receipt and verifies too', async () => {
    const inbound = await bundleOf('165', admission.id);
    expect(inbound).toMatchObject({ issuedBy: { municipality: '165' }, message: { direction: 'in', status: 'accepted' }, signal: { type: 'receipt', from: '165', to: '161', receivedAt: '2026-12-03T09:14:00.000Z' } });
    expect(inbound.keys.map((k) => [k.municipality, k.owner])).toEqual([['161', 'partner'], ['165', 'issuer']]);
    expect(inbound.audit.entries.some((e) => e.action === 'message.receive' && e.messageId === admission.id)).toBe(true);
    const report = await verifyEvidence(inbound);
    expect(failed(report)).toEqual([]);
  });

  it('when any one character of a signature changes, then the bundle does not verify (several positions, message and receipt)', async () => {
    for (const part of ['message', 'signal'] as const) {
      const jws = outbound[part]!.jws;
      const signatureStart = jws.lastIndexOf('.') + 1;
      for (const at of [signatureStart, signatureStart + 1, signatureStart + 30, jws.length - 2, jws.length - 1]) {
        const tampered = copy(outbound);
        tampered[part]!.jws = changeOne(jws, at);
        const report = await verifyEvidence(tampered);
        expect(report.ok, `${part} signature character ${at - signatureStart}`).toBe(false);
        expect(failed(report).some((c) => c.includes('signature'))).toBe(true);
      }
      const spare = copy(outbound);
      spare[part]!.jws = changeSpareBit(jws);
      expect(Buffer.from(spare[part]!.jws.split('.')[2]!, 'base64url').equals(Buffer.from(jws.split('.')[2]!, 'base64url'))).toBe(true);
      expect(failed(await verifyEvidence(spare))).toContain(`${part === 'message' ? 'the message' : 'the receipt'}: its signature is 64 bytes in canonical base64url`);
    }
  });

  it('when any one character of a signed part (header or payload of message or receipt) changes, then the bundle does not verify', async () => {
    for (const part of ['message', 'signal'] as const) {
      const jws = outbound[part]!.jws;
      const payloadStart = jws.indexOf('.') + 1;
      const payloadEnd = jws.lastIndexOf('.');
      for (const at of [0, 5, payloadStart, payloadStart + 40, Math.floor((payloadStart + payloadEnd) / 2), payloadEnd - 1]) {
        const tampered = copy(outbound);
        tampered[part]!.jws = changeOne(jws, at);
        expect((await verifyEvidence(tampered)).ok, `${part} character ${at}`).toBe(false);
      }
    }
  });

  it('when a byte of the file changes inside the signature, then the command-line check exits non-zero; unchanged, it exits 0 and prints what it proves', async () => {
    const dir = federation.dir;
    const good = path.join(dir, 'evidence.json');
    const text = JSON.stringify(outbound, null, 2);
    writeFileSync(good, text);
    const bad = path.join(dir, 'evidence-tampered.json');
    writeFileSync(bad, changeOne(text, text.indexOf(outbound.signal!.jws) + outbound.signal!.jws.length - 10));
    const run = promisify(execFile);
    const cli = ['tsx', 'services/gateway/src/cli/main.ts', 'evidence', 'verify'];
    const ok = await run('npx', [...cli, good], { env: { ...process.env, KB_NODE_URL: '', KB_ADMIN_TOKEN: '' } });
    expect(ok.stdout).toContain('Beviset holder. / The evidence holds.');
    expect(ok.stdout).toContain('Albertslund modtog meddelelsen om optagelse 3. december 2026 kl. 10.14');
    const refused = await run('npx', [...cli, bad]).then(() => ({ code: 0, stdout: '' }), (error: { code: number; stdout: string }) => error);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('Beviset holder IKKE');
    expect(refused.stdout).toMatch(/FAIL the receipt: the signature verifies/);
    expect((await verifyEvidenceText('{"format": "kommunebro-evidence/1"')).ok).toBe(false);
  }, 60_000);

  it('when an audit entry or a claim of the bundle is changed, then the bundle does not verify and says which', async () => {
    const entry = copy(outbound);
    const send = entry.audit.entries.find((e) => e.action === 'message.send')!;
    send.actor = 'someone-else';
    expect(failed(await verifyEvidence(entry))).toEqual([`audit entry ${send.seq} (message.send) recomputes to its hash`]);

    const hash = copy(outbound);
    hash.audit.entries[0]!.hash = changeOne(hash.audit.entries[0]!.hash, 3);
    expect((await verifyEvidence(hash)).ok).toBe(false);

    const claim = copy(outbound);
    claim.message.createdAt = '2026-12-02T09:14:00.000Z';
    expect(failed(await verifyEvidence(claim))).toContain("the message: the signed createdAt is the bundle's");

    const deadline = copy(outbound);
    deadline.deadlines.find((d) => d.deadline === 'admission-notice')!.dueOn = '2026-12-07';
    expect(failed(await verifyEvidence(deadline))).toContain('deadline admission-notice: 3 working-days from 2026-12-01 end on 2026-12-07');

    const key = copy(outbound);
    key.keys[1]!.fingerprint = changeOne(key.keys[1]!.fingerprint, 0);
    expect((await verifyEvidence(key)).ok).toBe(false);

    const missing = copy(outbound);
    missing.signal = null;
    expect(failed(await verifyEvidence(missing))).toEqual(["the message is delivered: the bundle holds the recipient's signal"]);
  });

  it("when Albertslund answers a street-sleeper notice, then the answer's bundle carries the signed notice that started the clock and verifies", async () => {
    now = new Date('2026-12-04T08:00:00Z');
    const notice = await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId: await federation.consent('101') }));
    now = new Date('2026-12-07T12:30:00Z');
    const answer = await asUser(federation.get('165'), 'caseworker').send({
      type: 'street-sleeper.response', to: '101', conversationId: notice.conversationId, inReplyTo: notice.id,
      payload: { contact: { name: 'Karen Lund', phone: '43686868' }, offer: { kind: 'shelter-place', date: '2026-12-08' } },
    });
    const bundle = await bundleOf('165', answer.id);
    const met = bundle.deadlines.find((d) => d.deadline === 'street-sleeper-response')!;
    expect(met).toMatchObject({ relation: 'met-by-message', startOn: '2026-12-04', dueOn: '2026-12-08', metOn: '2026-12-07', state: 'met', startedBy: { messageId: notice.id } });
    const report = await verifyEvidence(bundle);
    expect(failed(report)).toEqual([]);
    expect(report.proves.map((s) => s.da).join('\n')).toContain('København modtog svaret på underretningen 7. december 2026 kl. 13.30, inden for 2 hverdage efter underretningen om gadesoveren');

    const forged = copy(bundle);
    forged.deadlines[0]!.startedBy!.jws = changeOne(forged.deadlines[0]!.startedBy!.jws, forged.deadlines[0]!.startedBy!.jws.indexOf('.') + 10);
    expect((await verifyEvidence(forged)).ok).toBe(false);
  });

  it('when the recipient refused the message, then the bundle holds its signed error signal and verifies', async () => {
    now = new Date('2026-12-08T09:00:00Z');
    // Past the sender's own pipeline (as a node with other rules would send it), audited as sent.
    const parts = federation.get('161').node.parts;
    const envelope = newEnvelope({ type: 'shelter.admission-notice', from: '161', to: '165', payload: admissionRequest('161', '165', 'tornehoejgaard').payload }, now);
    await parts.messages.storeOutbound(envelope, { actor: 'test', action: 'message.send', outcome: 'accepted', messageId: envelope.id });
    parts.nudgeRelay();
    const refused = await eventually('the error signal', async () => {
      const m = await parts.messages.find(envelope.id);
      return m?.status === 'rejected' ? m : undefined;
    });
    expect(refused.reason?.code).toBe('contract_forbids');
    const bundle = (await (await evidence('161', refused.id, 'admin')).json()) as EvidenceBundle;
    expect(bundle.signal).toMatchObject({ type: 'error', code: 'contract_forbids', from: '165' });
    const report = await verifyEvidence(bundle);
    expect(failed(report)).toEqual([]);
    expect(report.proves.map((s) => s.da).join('\n')).toContain('Albertslund afviste meddelelsen om optagelse 8. december 2026 kl. 10.00 med koden contract_forbids');
  });

  it('when the caller may not, the id is unknown or the message was never signed, then the answer is a problem with its code; a bundle handed out is audited', async () => {
    const forbidden = await evidence('161', admission.id, 'outreach');
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe('role_forbidden');
    const unknown = await evidence('161', '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('not_found');

    const parts = federation.get('161').node.parts;
    const nowhere = newEnvelope({ type: 'shelter.admission-notice', from: '161', to: '147', payload: admissionRequest('161', '147', 'solvang').payload }, now);
    await parts.messages.storeOutbound(nowhere);
    parts.nudgeRelay();
    await eventually('the unroutable message failed', async () => (await parts.messages.find(nowhere.id))?.status === 'failed');
    const unsigned = await evidence('161', nowhere.id);
    expect(unsigned.status).toBe(409);
    expect(((await unsigned.json()) as { code: string }).code).toBe('evidence_unavailable');

    const handedOut = await parts.audit.list({ action: 'message.evidence', messageId: admission.id });
    expect(handedOut.length).toBeGreaterThan(0);
    expect(handedOut[0]).toMatchObject({ actor: expect.stringContaining('caseworker'), outcome: 'done', detail: { role: 'caseworker' } });
  });
});
