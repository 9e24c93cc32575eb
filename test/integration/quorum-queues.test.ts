import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerNames } from '../../services/gateway/src/amqp/broker.ts';
import { queueArguments, quorumDeliveryLimit } from '../../services/gateway/src/config/broker-names.ts';
import { TestFederation, amqpUrl, asUser, brokerComesUp, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { freePort } from '../helpers/private-services.ts';

const exec = promisify(execFile);

/** Queue name → type and arguments, as the broker itself reports them (read only). */
async function queuesOnBroker(prefix: string): Promise<Map<string, { type: string; arguments: Record<string, unknown> }>> {
  const { stdout } = await exec('rabbitmqctl', ['list_queues', 'name', 'type', 'arguments', '--formatter', 'json', '--quiet']);
  // Each argument comes as [name, AMQP type, value].
  const rows = JSON.parse(stdout) as { name: string; type: string; arguments: [string, string, unknown][] }[];
  return new Map(rows.filter((r) => r.name.startsWith(prefix)).map((r) => [r.name, { type: r.type, arguments: Object.fromEntries(r.arguments.map(([name, , value]) => [name, value])) }]));
}

/** Declares a queue with other arguments on a channel of its own and returns the broker's answer. */
async function redeclare(queue: string, args: Record<string, unknown>): Promise<string> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await channel.assertQueue(queue, { durable: true, arguments: args }).then(() => 'declared', (error: Error) => error.message);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

describe('when a node runs with KB_QUEUE_TYPE=quorum', () => {
  const federation = new TestFederation();
  beforeAll(() => federation.start(['101', '165'], { env: { KB_QUEUE_TYPE: 'quorum' } }), 120_000);
  afterAll(() => federation.stop(), 60_000);

  it('then its inbox and dead-letter queue are quorum queues, the inbox dead-letters at least once into its own dead queue', async () => {
    const names = brokerNames(federation.exchange, '165');
    const queues = await queuesOnBroker(federation.exchange);
    expect(queues.get(names.inbox)).toEqual({
      type: 'quorum',
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': names.deadExchange,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
        'x-delivery-limit': quorumDeliveryLimit,
      },
    });
    expect(queues.get(names.dead)).toEqual({ type: 'quorum', arguments: { 'x-queue-type': 'quorum' } });
  });

  it('then redeclaring its inbox as a classic queue is refused with PRECONDITION_FAILED', async () => {
    const names = brokerNames(federation.exchange, '165');
    const asQuorum = queueArguments(names, 'quorum').inbox;
    expect(await redeclare(names.inbox, asQuorum)).toBe('declared');
    expect(await redeclare(names.inbox, { ...asQuorum, 'x-queue-type': 'classic' })).toMatch(/PRECONDITION_FAILED - inequivalent arg 'x-queue-type' .* received 'classic' but current is 'quorum'/);
  });

  it('then a notice is delivered through the quorum queues and its receipt comes back', async () => {
    const consentId = await federation.consent('101');
    const { id } = await asUser(federation.get('101'), 'outreach').send(noticeRequest('165', { consentId }));
    expect(await federation.get('165').node.parts.messages.countInbound(id)).toBe(1);
  });
});

describe('when a node set to quorum finds its inbox declared as a classic queue', () => {
  const federation = new TestFederation();
  afterAll(() => federation.stop(), 60_000);

  it('then it does not take the queue, and its log names KB_QUEUE_TYPE and the way to move it', async () => {
    await federation.prepareKeys(['165']);
    const names = brokerNames(federation.exchange, '165');
    // What an earlier start with the default (classic) left on the broker.
    expect(await redeclare(names.inbox, { 'x-dead-letter-exchange': names.deadExchange })).toBe('declared');
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const node = await federation.startNode('165', { log, waitForBroker: false }, { KB_QUEUE_TYPE: 'quorum' });
    const refused = await eventually('the queue-type error in the log', async () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 50));
    expect(refused.msg).toBe('the inbox or dead-letter queue exists with other arguments than KB_QUEUE_TYPE declares; move it first (docs/OPERATIONS.md)');
    expect(refused).toMatchObject({ queueType: 'quorum', err: expect.stringMatching(/PRECONDITION_FAILED - inequivalent arg 'x-[a-z-]+' for queue 'kbtest-[0-9a-f]+\.165\.inbox'/) });
    expect(node.node.broker.isUp).toBe(false);
    expect((await queuesOnBroker(federation.exchange)).get(names.inbox)?.type).toBe('classic');
  }, 60_000);
});

describe('when the first broker of AMQP_URL does not answer', () => {
  it('then the node connects to the next one in the list', async () => {
    const nobody = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    expect(await brokerComesUp([nobody, amqpUrl], `kbtest-failover-${process.pid}`, '101')).toBe(true);
  });
});
