import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sign } from '../../services/gateway/src/crypto/jws.ts';
import { brokerNames } from '../../services/gateway/src/amqp/broker.ts';
import { TestFederation, eventually } from '../helpers/nodes.ts';
import { BrokerProbe } from '../helpers/broker.ts';
import { noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { cutDatabase, restoreDatabase } from '../helpers/postgres.ts';
import { PrivateRabbit } from '../helpers/private-services.ts';

// The broker this test stops is its own private RabbitMQ node, never the machine's shared one.
describe('when the broker restarts while messages are queued', () => {
  let rabbit: PrivateRabbit;
  let federation: TestFederation;
  beforeAll(async () => {
    rabbit = await PrivateRabbit.start();
    federation = new TestFederation({ amqpUrl: rabbit.url, rabbitNode: rabbit.name });
    await federation.start(['101', '165']);
  }, 180_000);
  afterAll(async () => {
    await federation?.stop();
    await rabbit?.stop();
  }, 60_000);

  it('then every message arrives once and København sees all delivered', async () => {
    const send = async () => {
      const res = await request(federation.get('101').url).post('/messages').set('authorization', `Bearer ${federation.get('101').token('outreach')}`).send(noticeRequest('165', { consentId }));
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const kbh = () => federation.get('101').node.deps;
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
      expect(await alb.node.deps.messages.countInbound(id)).toBe(1);
    }
  }, 120_000);
});

describe('when the database is down while a message arrives', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  beforeAll(() => federation.start(['101', '165'], { retry: { attempts: 20, firstDelayMs: 100, maxDelayMs: 500 } }), 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('then it is retried with backoff, stored once the database is back, and not dead-lettered', async () => {
    const alb = federation.get('165');
    const envelope = noticeEnvelope('101', '165');
    const jws = await sign(federation.get('101').key, envelope);
    await cutDatabase(alb.databaseName);
    try {
      await probe.publish('165', jws);
      await eventually('a retry', async () => ((await alb.node.deps.metrics.retries.get()).values[0]?.value ?? 0) >= 2);
    } finally {
      await restoreDatabase(alb.databaseName);
    }
    await eventually('stored after recovery', async () => (await alb.node.deps.messages.countInbound(envelope.id)) === 1);
    expect(await probe.queueDepth(brokerNames(federation.exchange, '165').dead)).toBe(0);
  });
});

describe('when the database stays down longer than the retry policy allows', () => {
  const federation = new TestFederation();
  const probe = new BrokerProbe(federation.exchange, () => federation.brokerUrl('101'));
  beforeAll(() => federation.start(['101', '165'], { retry: { attempts: 3, firstDelayMs: 50, maxDelayMs: 100 } }), 60_000);
  afterAll(async () => {
    await probe.close();
    await federation.stop();
  });

  it('then the message is dead-lettered as retries_exhausted instead of being lost', async () => {
    const alb = federation.get('165');
    const jws = await sign(federation.get('101').key, noticeEnvelope('101', '165'));
    await cutDatabase(alb.databaseName);
    try {
      await probe.publish('165', jws);
      const dead = await probe.waitForDeadLetter('165', jws);
      expect(dead.code).toBe('retries_exhausted');
    } finally {
      await restoreDatabase(alb.databaseName);
    }
  });
});
