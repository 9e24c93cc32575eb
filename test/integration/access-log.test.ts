import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { consentRequest } from '../helpers/messages.ts';

// Access log, request ids and the operations metrics (http/access-log.ts, monitoring/metrics.ts).
describe('access log and metrics: when København (101) serves requests', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l));
      }
      done();
    },
  });
  const node = () => federation.get('101');
  const call = (path: string, init: RequestInit = {}) => fetch(`${node().url}${path}`, init);
  const auth = (role: 'outreach' | 'admin') => ({ authorization: `Bearer ${node().token(role)}`, 'content-type': 'application/json' });
  const accessLine = (id: string) => eventually(`access log line ${id}`, async () => lines.find((l) => l.reqId === id && l.msg.startsWith('request')));

  beforeAll(async () => {
    await federation.start(['101', '165'], { log: pino({ level: 'info' }, sink) });
  }, 120_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('when a request has no token, then the 401 problem names the request id as instance and one line logs it without a route', async () => {
    const res = await call('/messages');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await res.json();
    expect(res.status).toBe(401);
    expect(problem).toMatchObject({ code: 'unauthenticated', instance: `urn:uuid:${id}` });
    const line = await accessLine(id!);
    expect(line).toMatchObject({ level: 40, method: 'GET', route: 'unmatched', status: 401, role: null });
    expect(typeof line.durationMs).toBe('number');
  });

  it('when a consent is recorded and looked up by CPR, then the lines name route and role, never the CPR or the token, and the audit entry names the request', async () => {
    const created = await call('/consents', { method: 'POST', headers: auth('outreach'), body: JSON.stringify(consentRequest()) });
    expect(created.status).toBe(201);
    const id = created.headers.get('x-request-id')!;
    const consent = await created.json();
    const cpr = consentRequest().citizen.cpr as string;
    const lookup = await call('/consents', { headers: { ...auth('outreach'), 'x-citizen-cpr': cpr, 'x-purpose': 'Opfølgning på underretning' } });
    expect(lookup.status).toBe(200);
    expect(await accessLine(id)).toMatchObject({ level: 30, method: 'POST', route: '/consents', status: 201, role: 'outreach' });
    expect(await accessLine(lookup.headers.get('x-request-id')!)).toMatchObject({ method: 'GET', route: '/consents', status: 200, role: 'outreach' });
    const everything = raw.join('\n');
    expect(everything).not.toContain(cpr);
    expect(everything).not.toContain(node().token('outreach'));

    const entries = await node().node.parts.audit.list({ action: 'consent.give' });
    const entry = entries.find((e) => e.detail?.consentId === consent.id || JSON.stringify(e.detail).includes(consent.id));
    expect(entry?.detail?.requestId).toBe(id);
    const verify = await call('/audit/verify', { headers: auth('admin') });
    expect(verify.status).toBe(200);
    expect((await verify.json()).ok).toBe(true);
  });

  it('when a message is dead-lettered, then the metrics show its depth, request durations by route and status, the outbox age and both services up', async () => {
    await probe.publish('101', 'not a JWS');
    const metrics = await eventually('dead-letter depth 1', async () => {
      const text = await (await call('/metrics')).text();
      return /kommunebro_dead_letter_queue_messages\{municipality="101"\} 1\b/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/kommunebro_http_request_duration_seconds_count\{municipality="101",method="POST",route="\/consents",status="201"\} 1\b/);
    expect(metrics).toMatch(/kommunebro_http_request_duration_seconds_count\{municipality="101",method="GET",route="unmatched",status="401"\} 1\b/);
    expect(metrics).toMatch(/kommunebro_outbox_oldest_age_seconds\{municipality="101"\} 0\b/);
    expect(metrics).toMatch(/kommunebro_database_up\{municipality="101"\} 1\b/);
    expect(metrics).toMatch(/kommunebro_broker_up\{municipality="101"\} 1\b/);
  });
});
