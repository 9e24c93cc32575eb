import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { brokerNames } from '../../services/gateway/src/amqp/broker.ts';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { adminQuery, cutDatabase, restoreDatabase } from '../helpers/postgres.ts';
import { PrivateRabbit } from '../helpers/private-services.ts';

// The broker these tests stop is their own private RabbitMQ node, never the machine's shared one.
let rabbit: PrivateRabbit;
beforeAll(async () => {
  rabbit = await PrivateRabbit.start();
}, 180_000);
afterAll(() => rabbit?.stop(), 60_000);

describe('when the broker restarts while messages are queued', () => {
  let federation: TestFederation;
  beforeAll(async () => {
    federation = new TestFederation({ amqpUrl: rabbit.url, rabbitNode: rabbit.name });
    await federation.start(['101', '165']);
  }, 180_000);
  afterAll(() => federation?.stop(), 60_000);

  it('then every message arrives once and København sees all delivered', async () => {
    const send = async () => {
      const res = await request(federation.get('101').url).post('/messages').set('authorization', `Bearer ${federation.get('101').token('outreach')}`).send(noticeRequest('165', { consentId }));
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const kbh = () => federation.get('101').node.parts;
    const consentId = await federation.consent('101');
    // Albertslund is offline: the first batch waits in its durable inbox queue.
    await federation.stopNode('165');
    const inQueue = [await send(), await send(), await send()];
    await eventually('first batch published', async () => {
      for (const id of inQueue) if ((await kbh().messages.find(id))?.status !== 'sent') return false;
      return true;
    });

    await rabbit.stopApp();
    let inOutbox: string[] = [];
    try {
      await eventually('København notices the broker is gone', async () => !federation.get('101').node.broker.isUp);
      // The second batch is accepted while the broker is down and waits in the outbox.
      inOutbox = [await send(), await send(), await send()];
      for (const id of inOutbox) expect((await kbh().messages.find(id))?.status).toBe('queued');
    } finally {
      await rabbit.startApp();
    }

    const alb = await federation.restartNode('165');
    await federation.get('101').node.waitForBroker(30_000);
    for (const id of [...inQueue, ...inOutbox]) {
      await eventually(`delivery of ${id}`, async () => (await kbh().messages.find(id))?.status === 'delivered', 30_000);
      expect(await alb.node.parts.messages.countInbound(id)).toBe(1);
    }
  }, 120_000);
});

/** A failure that is not an outage: the database answers, but refuses to store inbound messages. */
async function failInboundStores(database: string, on: boolean): Promise<void> {
  const sql = on
    ? `CREATE OR REPLACE FUNCTION kb_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
       CREATE TRIGGER kb_test_fail BEFORE INSERT ON "Message" FOR EACH ROW WHEN (NEW.direction = 'in') EXECUTE FUNCTION kb_test_fail();`
    : 'DROP TRIGGER IF EXISTS kb_test_fail ON "Message"';
  await adminQuery(sql, database);
}

describe('when the database is down while a message arrives', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  beforeAll(() => federation.start(['101', '165'], { retry: { attempts: 3, firstDelayMs: 50, maxDelayMs: 100 } }), 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('then the consumer pauses, spends no retries, and stores it once the database is back, dead-lettering nothing', async () => {
    const alb = federation.get('165');
    const envelope = noticeEnvelope('101', '165');
    const jws = await federation.sealFor('165', await sign(federation.get('101').key, envelope));
    await cutDatabase(alb.databaseName);
    try {
      await probe.publish('165', jws);
      await eventually('the consumer pauses', async () => !alb.node.broker.isConsuming);
      // Far longer than the retry policy (3 attempts within 150 ms) allows.
      await new Promise((r) => setTimeout(r, 2500));
      expect(alb.node.broker.isConsuming).toBe(false);
    } finally {
      await restoreDatabase(alb.databaseName);
    }
    await eventually('stored after recovery', async () => (await alb.node.parts.messages.countInbound(envelope.id)) === 1);
    await eventually('the consumer resumes', async () => alb.node.broker.isConsuming);
    expect((await alb.node.parts.metrics.retries.get()).values[0]?.value ?? 0).toBe(0);
    expect(await probe.queueDepth(brokerNames(federation.exchange, '165').dead)).toBe(0);
  }, 30_000);
});

describe('when processing fails while the database answers', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  beforeAll(() => federation.start(['101', '165'], { retry: { attempts: 3, firstDelayMs: 50, maxDelayMs: 100 } }), 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('then after the retry policy the message is dead-lettered as retries_exhausted instead of being lost', async () => {
    const alb = federation.get('165');
    const jws = await federation.sealFor('165', await sign(federation.get('101').key, noticeEnvelope('101', '165')));
    await failInboundStores(alb.databaseName, true);
    try {
      await probe.publish('165', jws);
      const dead = await probe.waitForDeadLetter('165', jws);
      expect(dead.code).toBe('retries_exhausted');
      expect((await alb.node.parts.metrics.retries.get()).values[0]?.value).toBe(2);
    } finally {
      await failInboundStores(alb.databaseName, false);
    }
  });
});

describe('when the channel of a delivery that is being retried is lost', () => {
  let federation: TestFederation;
  let probe: BrokerProbe;
  beforeAll(async () => {
    federation = new TestFederation({ amqpUrl: rabbit.url, rabbitNode: rabbit.name });
    probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'), rabbit.url);
    await federation.start(['101', '165'], { retry: { attempts: 3, firstDelayMs: 5000, maxDelayMs: 5000 } });
  }, 60_000);
  afterAll(async () => {
    await probe?.close();
    await federation?.stop();
  }, 60_000);

  it('then that retry loop stops and only the redelivered copy is dead-lettered, once', async () => {
    const alb = federation.get('165');
    const jws = await federation.sealFor('165', await sign(federation.get('101').key, noticeEnvelope('101', '165')));
    await failInboundStores(alb.databaseName, true);
    try {
      await probe.publish('165', jws);
      await eventually('a first retry', async () => ((await alb.node.parts.metrics.retries.get()).values[0]?.value ?? 0) >= 1);
      expect(await rabbit.closeConnectionsOf(`${federation.brokerPrefix}165`)).toBe(1);
      // Had the first loop gone on, it would dead-letter its copy about 10 s after the publish, and the
      // redelivered copy (same conversation, so it waits for the first loop) a full budget (10 s) later.
      await eventually('a dead letter', async () => (await probe.deadLetters('165')).some((d) => d.body === jws), 40_000);
      await new Promise((r) => setTimeout(r, 13_000));
      const dead = (await probe.deadLetters('165')).filter((d) => d.body === jws);
      expect(dead.map((d) => d.code)).toEqual(['retries_exhausted']);
    } finally {
      await failInboundStores(alb.databaseName, false);
    }
  }, 90_000);
});
