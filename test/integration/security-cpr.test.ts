import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import jose from 'node-jose';
import { pino } from 'pino';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { consentRequest, noticeEnvelope, noticeRequest } from '../helpers/messages.ts';

// CPR-shaped values no legitimate record in this test holds: any trace of them in an output is an echo.
const CPR = '2412995678';
const DASHED = '150367-4321';
const traces = [CPR, DASHED, '1503674321'];

describe('no CPR number in any answer, log line, audit entry or dead letter', () => {
  const logLines: string[] = [];
  const capture = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  const outputs: string[] = [];
  let consentId: string;

  beforeAll(async () => {
    await federation.start(['101', '165'], { log: pino({ level: 'debug' }, capture) });
    consentId = await federation.consent('101');
  }, 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  /** Every request carries the CPR in headers an attacker controls; the whole answer is kept. */
  async function hostile(method: string, path: string, role: string | null, body?: unknown, extra: Record<string, string> = {}) {
    const node = federation.get('101');
    const headers: Record<string, string> = {
      'content-type': 'application/json', 'user-agent': CPR, 'x-request-id': DASHED, referer: `https://x/${CPR}`, 'x-forwarded-for': '10.9.9.9', 'x-citizen-cpr': CPR, 'x-purpose': `look-up of ${CPR}`,
      ...(role ? { authorization: `Bearer ${node.token(role as never)}` } : { authorization: `Bearer ${CPR}` }),
      ...extra,
    };
    const res = await fetch(`${node.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    // The answer only (status, headers, body): the request itself holds the CPR on purpose.
    outputs.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    expect(res.status, `${method} ${path.slice(0, 80)}: ${text}`).toBeLessThan(500);
    return res.status;
  }

  it('when CPR-shaped values go into every field, key, id, query and header, then none comes back, is logged or audited', async () => {
    const notice = noticeRequest('165', { consentId });
    // Fields of a send.
    await hostile('POST', '/messages', 'outreach', { ...notice, to: CPR });
    await hostile('POST', '/messages', 'outreach', { ...notice, type: CPR });
    await hostile('POST', '/messages', 'outreach', { ...notice, type: `x${CPR}` });
    await hostile('POST', '/messages', 'outreach', { ...notice, consentId: CPR });
    await hostile('POST', '/messages', 'outreach', { ...notice, consentId: `consent-${DASHED}` });
    await hostile('POST', '/messages', 'outreach', { ...notice, conversationId: CPR, inReplyTo: DASHED });
    await hostile('POST', '/messages', 'outreach', { ...notice, [CPR]: 1 });
    await hostile('POST', '/messages', 'outreach', { ...notice, payload: { ...notice.payload, [CPR]: CPR, citizen: { cpr: `${CPR}1` } } });
    await hostile('POST', '/messages', 'outreach', { ...notice, payload: { ...notice.payload, observed: { place: `\u0000${CPR}`, at: CPR } } });
    await hostile('POST', '/messages', 'outreach', `{"type": "${CPR}", `);
    // Ids and queries.
    await hostile('GET', `/messages/${CPR}`, 'caseworker');
    await hostile('GET', `/messages?conversationId=${CPR}&type=${CPR}`, 'caseworker');
    await hostile('GET', `/messages?status=${DASHED}`, 'caseworker');
    await hostile('GET', `/conversations/${CPR}`, 'caseworker');
    await hostile('GET', `/deadlines?conversationId=${CPR}`, 'caseworker');
    await hostile('GET', `/consents/${CPR}`, 'caseworker');
    await hostile('POST', `/consents/${DASHED}/withdraw`, 'caseworker', { method: 'oral' });
    await hostile('GET', '/consents', 'caseworker');
    await hostile('GET', `/nothing/${CPR}`, 'caseworker');
    await hostile('GET', `/messages/%E0%A4%A${CPR}`, 'caseworker');
    await hostile('GET', `/messages?x=${CPR}${'a'.repeat(20_000)}`, 'caseworker');
    // Consents, keys, tokens, invoices.
    await hostile('POST', '/consents', 'outreach', consentRequest({ purpose: `p${CPR}`, recipients: [CPR] }));
    await hostile('POST', '/consents', 'outreach', consentRequest({ purpose: `p${CPR}` }));
    await hostile('POST', '/consents', 'outreach', { ...consentRequest(), [DASHED]: true });
    await hostile('POST', '/admin/keys', 'admin', { municipality: CPR, jwk: {} });
    await hostile('POST', '/admin/keys', 'admin', { municipality: '161', jwk: { ...federation.get('165').key.publicJwk, kid: `161-${CPR}` } });
    await hostile('POST', '/admin/keys', 'admin', { municipality: '161', jwk: { kty: 'EC', crv: 'P-256', kid: CPR, x: CPR, y: CPR } });
    await hostile('POST', '/admin/keys', 'admin', { municipality: '161', jwks: { keys: [{ kid: DASHED }] }, expiresAt: CPR });
    await hostile('POST', `/admin/keys/${CPR}/approve`, 'admin', {});
    await hostile('POST', `/admin/keys/${CPR}/revoke`, 'admin', { reason: CPR });
    await hostile('POST', '/admin/tokens', 'admin', { role: CPR, label: CPR });
    await hostile('POST', '/admin/tokens', 'admin', { role: 'caseworker', label: `Karen ${CPR}` });
    await hostile('POST', `/admin/tokens/${CPR}/revoke`, 'admin', {});
    await hostile('POST', '/invoices', 'finance', { paying: CPR, periodFrom: CPR, periodTo: DASHED });
    await hostile('GET', `/invoices/${CPR}`, 'finance');
    await hostile('POST', `/invoices/${CPR}/lines/${DASHED}/override`, 'finance', { outcome: 'accepted', comment: CPR });
    // Headers: a CPR as the token, and a look-up whose purpose holds one.
    await hostile('GET', '/messages', null);
    await hostile('GET', '/consents', 'caseworker', undefined, { 'x-citizen-cpr': '0101801234' });
    await hostile('GET', `/consents?cpr=${CPR}`, 'caseworker', undefined, { 'x-citizen-cpr': '' });

    // Broker: a kid, a transport id and a consent id that are CPR numbers.
    const kbhKey = federation.get('101').key;
    const cprKid = await jose.JWK.asKey({ ...(kbhKey.key.toJSON(true) as object), kid: `101-${CPR}` });
    const forgedKid = await sign({ kid: cprKid.kid, key: cprKid, publicJwk: cprKid.toJSON() as never }, noticeEnvelope('101', '165'));
    await probe.publish('165', forgedKid, CPR);
    const dead = await probe.waitForDeadLetter('165', forgedKid);
    expect(dead.code).toBe('key_unknown');
    outputs.push(`dead letter ${dead.code} ${dead.detail}`);
    // A partner's consent id is the partner's business: accepted, but audited masked.
    const underCprConsent = noticeEnvelope('101', '165', { consentId: DASHED });
    await probe.publish('165', await federation.sealFor('165', await sign(kbhKey, underCprConsent)), DASHED);
    await eventually('the notice under a CPR-shaped consent id accepted', () => federation.get('165').node.parts.messages.find(underCprConsent.id));

    await eventually('the broker refusal audited', async () => (await federation.get('165').node.parts.audit.list({ code: 'key_unknown' })).length >= 1);
    const audits = [...(await federation.get('101').node.parts.audit.list({}, 10_000)), ...(await federation.get('165').node.parts.audit.list({}, 10_000))];
    const all = { outputs, logs: logLines, audits: JSON.stringify(audits) };
    // The sweep did reach the logs and the audit log: refusals of sends are audited.
    expect(audits.filter((a) => a.action === 'message.send' && a.outcome === 'refused').length).toBeGreaterThanOrEqual(5);
    expect(audits.some((a) => a.action === 'consent.lookup')).toBe(true);
    expect(logLines.length).toBeGreaterThan(0);
    for (const cpr of traces) {
      for (const [where, texts] of Object.entries(all)) {
        const text = Array.isArray(texts) ? texts.join('\n') : texts;
        const at = text.indexOf(cpr);
        expect(at, `${cpr} found in ${where}: …${text.slice(Math.max(0, at - 300), at + 100)}…`).toBe(-1);
      }
    }
  }, 120_000);

  it('when a send is refused for a recipient that is no municipality, then the audit entry stores no raw `to`', async () => {
    const entries = (await federation.get('101').node.parts.audit.list({ action: 'message.send' }, 10_000)).filter((a) => a.outcome === 'refused');
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(['165', '(invalid)']).toContain((entry.detail as { to: string }).to);
  });
});
