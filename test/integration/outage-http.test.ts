import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { TestFederation } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { cutDatabase, restoreDatabase } from '../helpers/postgres.ts';

// issue 12: during a database outage a client learns that it is temporary and when to come back.
describe('when the database is unreachable during API calls', () => {
  const federation = new TestFederation();
  let consentId: string;
  beforeAll(async () => {
    await federation.start(['101', '165']);
    consentId = await federation.consent('101');
  }, 60_000);
  afterAll(() => federation.stop());

  it('then POST /messages, GET /messages and /health answer 503 database_unavailable with Retry-After, and work again after', async () => {
    const kbh = federation.get('101');
    const auth = { authorization: `Bearer ${kbh.token('outreach')}` };
    await cutDatabase(kbh.databaseName);
    try {
      const sent = await request(kbh.url).post('/messages').set(auth).send(noticeRequest('165', { consentId }));
      expect(sent.status).toBe(503);
      expect(sent.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(sent.headers['retry-after']).toBe('5');
      expect(sent.body.code).toBe('database_unavailable');
      const listed = await request(kbh.url).get('/messages').set(auth);
      expect([listed.status, listed.body.code, listed.headers['retry-after']]).toEqual([503, 'database_unavailable', '5']);
      const health = await request(kbh.url).get('/health');
      expect([health.status, health.body.code, health.headers['retry-after']]).toEqual([503, 'database_unavailable', '5']);
    } finally {
      await restoreDatabase(kbh.databaseName);
    }
    const again = await request(kbh.url).post('/messages').set(auth).send(noticeRequest('165', { consentId }));
    expect(again.status).toBe(202);
  }, 30_000);
});
