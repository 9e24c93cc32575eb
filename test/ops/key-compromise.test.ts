import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { run as cli } from '../../services/gateway/src/cli/main.ts';
import { sign, type SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { noticeEnvelope, noticeRequest } from '../helpers/messages.ts';

// docs/OPERATIONS.md, "Our private key leaked", step by step: København's (101) key leaks;
// Albertslund (165) revokes it, 101 makes a new key, 165 imports and approves it after comparing
// fingerprints, and messages flow again. The shell commands are the ones the runbook gives.
describe('key compromise drill: when København’s private key leaks', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  const work = mkdtempSync(path.join(tmpdir(), 'kb-leak-'));
  let leaked: SigningKey;
  // Asynchronous: the nodes live in this process and must be free to answer curl.
  const sh = async (script: string, env: Record<string, string>) =>
    (await promisify(execFile)('sh', ['-c', script], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env } })).stdout;
  const admin = (code: string) => ({ KB_NODE_URL: federation.get(code).url, KB_ADMIN_TOKEN: federation.get(code).token('admin') });
  async function kb(code: string, ...args: string[]): Promise<string[]> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(String(line)));
    try {
      await cli(args, admin(code));
    } finally {
      spy.mockRestore();
    }
    return lines;
  }

  beforeAll(async () => {
    await federation.start(['101', '165']);
    leaked = federation.get('101').key;
  }, 120_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('when the partner revokes the leaked key, then a message signed with it is refused as key_not_active and dead-lettered', async () => {
    const lines = await kb('165', 'keys', 'revoke', leaked.kid, '--reason', 'leaked: reported by København');
    expect(lines.at(-1)).toMatch(new RegExp(`^${leaked.kid}\\s+101\\s+revoked`));
    const jws = await sign(leaked, noticeEnvelope('101', '165'));
    await probe.publish('165', jws, randomUUID());
    expect((await probe.waitForDeadLetter('165', jws)).code).toBe('key_not_active');
  });

  it('when København stops, moves the key folder aside and starts again, then it signs with a new key', async () => {
    await federation.stopNode('101');
    await sh('mv "$KB_KEY_DIR" "$KB_KEY_DIR.leaked-$(date -u +%Y%m%d)"', { KB_KEY_DIR: federation.keyDir('101') });
    await federation.restartNode('101');
    expect(federation.get('101').key.kid).not.toBe(leaked.kid);
  }, 30_000);

  it('when 165 imports the new public key, compares the fingerprint read aloud and approves it, then messages are delivered again', async () => {
    const kbh = federation.get('101');
    const file = path.join(work, '101.jwks.json');
    await sh('curl -sf "$KB_NODE_URL/.well-known/jwks.json" > "$FILE"', { ...admin('101'), FILE: file });
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0].kid).toBe(kbh.key.kid);
    const readAloud = (await kb('101', 'keys', 'fingerprint'))[0]!;
    const heard = (await kb('165', 'keys', 'fingerprint', file))[0]!;
    expect(heard.split(/\s{2}/)[1]).toBe(readAloud.split(/\s{2}/)[1]);
    expect((await kb('165', 'keys', 'import', '101', file)).join('\n')).toMatch(new RegExp(`^${kbh.key.kid}\\s+101\\s+pending`, 'm'));
    expect((await kb('165', 'keys', 'approve', kbh.key.kid)).join('\n')).toMatch(new RegExp(`^${kbh.key.kid}\\s+101\\s+active`, 'm'));

    const notice = await asUser(kbh, 'outreach').send(noticeRequest('165', { consentId: await federation.consent('101') }));
    expect((await kbh.node.parts.messages.find(notice.id))?.status).toBe('delivered');
  }, 30_000);

  it('when the runbook lists messages still waiting for a receipt, then the curl command answers with the list', async () => {
    const out = await sh('curl -sf -H "Authorization: Bearer $KB_ADMIN_TOKEN" "$KB_NODE_URL/messages?direction=out&status=sent"', admin('101'));
    expect(JSON.parse(out)).toEqual({ messages: [] });
    await eventually('nothing left unsent', async () => (await federation.get('101').node.parts.outbox.countPending()) === 0);
  });
});
