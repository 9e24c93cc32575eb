import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerNames } from '../../services/gateway/src/amqp/broker.ts';
import { queueArguments } from '../../services/gateway/src/config/broker-names.ts';
import { TestFederation, asUser, eventually } from '../helpers/nodes.ts';
import { noticeRequest } from '../helpers/messages.ts';
import { PrivateRabbit } from '../helpers/private-services.ts';

// docs/OPERATIONS.md, "Moving a node's queues from classic to quorum", step by step, on a private
// RabbitMQ node with the Shovel plugin (the machine's shared broker has none and is not changed).
let rabbit: PrivateRabbit;
const dir = mkdtempSync(path.join(tmpdir(), 'kb-move-'));
beforeAll(async () => {
  rabbit = await PrivateRabbit.start({ plugins: ['rabbitmq_shovel'] });
}, 180_000);
afterAll(async () => {
  await rabbit?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('when an administrator moves a node’s classic queues to quorum queues as the runbook says', () => {
  let federation: TestFederation;
  beforeAll(async () => {
    federation = new TestFederation({ amqpUrl: rabbit.url, rabbitNode: rabbit.name });
    await federation.start(['101', '165']);
  }, 180_000);
  afterAll(() => federation?.stop(), 60_000);

  it('then every notice sent before, during and after the move is stored once, and the queues are quorum queues', async () => {
    const names = brokerNames(federation.exchange, '165');
    const moving = `${names.inbox}.moving`;
    const consentId = await federation.consent('101');
    const sender = () => federation.get('101').node.parts;
    const sent: string[] = [];
    const send = async () => {
      const res = await asUser(federation.get('101'), 'outreach').post('/messages', noticeRequest('165', { consentId }));
      expect(res.status).toBe(202);
      sent.push(res.body.id as string);
      await eventually(`publish of ${res.body.id}`, async () => (await sender().messages.find(res.body.id as string))?.status !== 'queued');
    };
    const queues = async () => Object.fromEntries((await rabbit.ctl('list_queues', 'name', 'type', 'messages', '--no-table-headers', '--quiet')).trim().split('\n').map((l) => l.split('\t')).filter(([name]) => name!.startsWith(names.inbox.replace('.inbox', ''))).map(([name, type, messages]) => [name, `${type} ${messages}`]));
    const shovel = (name: string, from: string, to: string) =>
      rabbit.ctl('set_parameter', 'shovel', name, JSON.stringify({ 'src-protocol': 'amqp091', 'src-uri': 'amqp://', 'src-queue': from, 'src-delete-after': 'queue-length', 'dest-protocol': 'amqp091', 'dest-uri': 'amqp://', 'dest-queue': to }));
    await send();

    // 1. The temporary quorum queue, bound like the inbox.
    const file = path.join(dir, 'moving.json');
    writeFileSync(file, JSON.stringify({
      queues: [{ name: moving, vhost: '/', durable: true, auto_delete: false, arguments: queueArguments(names, 'quorum').inbox }],
      bindings: [{ source: federation.exchange, vhost: '/', destination: moving, destination_type: 'queue', routing_key: names.routingKey, arguments: {} }],
    }), { mode: 0o644 });
    chmodSync(dir, 0o755);
    await rabbit.ctl('import_definitions', file);
    // 2. The node stops; what is sent now waits in both queues.
    await federation.stopNode('165');
    await send();
    await send();
    // 3. The classic inbox into the temporary queue, then the classic queues go.
    await shovel('move-165-out', names.inbox, moving);
    await eventually('the classic inbox emptied', async () => (await queues())[names.inbox] === 'classic 0', 30_000);
    await rabbit.ctl('delete_queue', names.inbox);
    await rabbit.ctl('delete_queue', names.dead, '--if-empty');
    await send();
    // 4. The node starts on quorum queues.
    await federation.restartNode('165', { queueType: 'quorum' });
    await send();
    // 5. The temporary queue into the new inbox, then it goes.
    await shovel('move-165-in', moving, names.inbox);
    await eventually('the temporary queue emptied', async () => (await queues())[moving] === 'quorum 0', 30_000);
    await rabbit.ctl('delete_queue', moving);
    await send();

    for (const id of sent) {
      await eventually(`delivery of ${id}`, async () => (await sender().messages.find(id))?.status === 'delivered', 30_000);
      expect(await federation.get('165').node.parts.messages.countInbound(id)).toBe(1);
    }
    expect(await queues()).toEqual({ [names.inbox]: 'quorum 0', [names.dead]: 'quorum 0' });
  }, 180_000);
});
