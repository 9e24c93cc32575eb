import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { amqpUrl, brokerComesUp } from '../helpers/nodes.ts';
import { deleteBrokerUser } from '../../services/gateway/src/amqp/broker-users.ts';
import { brokerNames } from '../../services/gateway/src/amqp/broker.ts';

const exec = promisify(execFile);

// deploy/rabbitmq/definitions.json is what docker-compose.yml's RabbitMQ loads; this makes one with
// `npm run broker:definitions` and loads it into the machine's real RabbitMQ (node users only,
// under throw-away names, removed afterwards), so the hashes and permissions are proven to work.
describe('npm run broker:definitions', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-defs-'));
  const prefix = `kbd${randomBytes(3).toString('hex')}-`;
  const exchange = `kbtest-${randomBytes(4).toString('hex')}`;
  const file = path.join(dir, 'definitions.json');
  const password = `pw-${randomBytes(6).toString('hex')}`;
  let printed = '';

  afterAll(async () => {
    for (const code of ['101', '165']) await deleteBrokerUser(`${prefix}${code}`);
    const connection = await amqp.connect(amqpUrl);
    await (await connection.createChannel()).deleteExchange(exchange);
    await connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a password is missing from the environment, then it makes one up and prints it as a line for .env', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KB_EXCHANGE: exchange, KB_BROKER_USER_PREFIX: prefix, KB_BROKER_PASSWORD_101: password, KB_BROKER_ADMIN_PASSWORD: 'admin-secret' };
    delete env.KB_BROKER_PASSWORD_165;
    printed = (await exec('npm', ['run', '--silent', 'broker:definitions', '--', '--out', file, '101', '165'], { env, encoding: 'utf8' })).stdout;
    expect(printed).toMatch(/^KB_BROKER_PASSWORD_165=[0-9a-f]{36}$/m);
    expect(printed).not.toContain(password);
    const definitions = JSON.parse(readFileSync(file, 'utf8'));
    expect(definitions.users.map((u: { name: string }) => u.name)).toEqual(['kbadmin', `${prefix}101`, `${prefix}165`]);
    expect(definitions.exchanges).toEqual([{ name: exchange, vhost: '/', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }]);
  });

  it('when RabbitMQ loads the node users, then each logs in with its password only, and may not read another node’s inbox', async () => {
    const definitions = JSON.parse(readFileSync(file, 'utf8'));
    const nodesOnly = {
      users: definitions.users.filter((u: { name: string }) => u.name.startsWith(prefix)),
      permissions: definitions.permissions.filter((p: { user: string }) => p.user.startsWith(prefix)),
      exchanges: definitions.exchanges,
    };
    // rabbitmqctl runs as the rabbitmq user: the file must be readable to it (3.10 reads no standard input here).
    const shared = path.join(dir, 'nodes.json');
    writeFileSync(shared, JSON.stringify(nodesOnly), { mode: 0o644 });
    chmodSync(dir, 0o755);
    await exec('rabbitmqctl', ['-q', 'import_definitions', shared]);

    const url = (user: string, pass: string) => {
      const u = new URL(amqpUrl);
      u.username = user;
      u.password = pass;
      return u.toString();
    };
    await expect(amqp.connect(url(`${prefix}101`, 'wrong-password'))).rejects.toThrow(/ACCESS_REFUSED|403/);
    const connection = await amqp.connect(url(`${prefix}101`, password));
    try {
      const channel = await connection.createChannel();
      expect(await channel.checkExchange(exchange)).toBeTruthy();
      await channel.assertQueue(`${exchange}.101.inbox`, { durable: true });
      await channel.deleteQueue(`${exchange}.101.inbox`);
      const other = await connection.createChannel();
      other.on('error', () => undefined);
      await expect(other.assertQueue(`${exchange}.165.inbox`, { durable: true })).rejects.toThrow(/ACCESS_REFUSED|403/);
    } finally {
      await connection.close().catch(() => undefined);
    }
    const generated = printed.match(/^KB_BROKER_PASSWORD_165=([0-9a-f]{36})$/m)![1]!;
    await (await amqp.connect(url(`${prefix}165`, generated))).close();
  });

  it('when KB_QUEUE_TYPE=quorum, then the definitions declare each node’s queues as quorum queues, bound as the node binds them, and a node starting on them finds them as it declares them', async () => {
    const quorumFile = path.join(dir, 'quorum.json');
    const env: NodeJS.ProcessEnv = { ...process.env, KB_EXCHANGE: exchange, KB_BROKER_USER_PREFIX: prefix, KB_BROKER_PASSWORD_101: password, KB_BROKER_PASSWORD_165: password, KB_BROKER_ADMIN_PASSWORD: 'admin-secret', KB_QUEUE_TYPE: 'quorum' };
    await exec('npm', ['run', '--silent', 'broker:definitions', '--', '--out', quorumFile, '101'], { env, encoding: 'utf8' });
    const definitions = JSON.parse(readFileSync(quorumFile, 'utf8'));
    const names = brokerNames(exchange, '101');
    expect(definitions.queues.map((q: { name: string; arguments: Record<string, unknown> }) => [q.name, q.arguments['x-queue-type']])).toEqual([[names.inbox, 'quorum'], [names.dead, 'quorum']]);
    expect(definitions.bindings.map((b: { source: string; destination: string; routing_key: string }) => [b.source, b.destination, b.routing_key])).toEqual([[exchange, names.inbox, 'to.101'], [names.deadExchange, names.dead, '']]);

    const queuesOnly = path.join(dir, 'queues.json');
    writeFileSync(queuesOnly, JSON.stringify({ queues: definitions.queues, exchanges: definitions.exchanges, bindings: definitions.bindings }), { mode: 0o644 });
    await exec('rabbitmqctl', ['-q', 'import_definitions', queuesOnly]);
    const { stdout } = await exec('rabbitmqctl', ['list_queues', 'name', 'type', '--formatter', 'json', '--quiet']);
    const types = Object.fromEntries((JSON.parse(stdout) as { name: string; type: string }[]).filter((q) => q.name.startsWith(exchange)).map((q) => [q.name, q.type]));
    expect(types).toEqual({ [names.inbox]: 'quorum', [names.dead]: 'quorum' });
    expect(await brokerComesUp([amqpUrl], exchange, '101', { queueType: 'quorum' })).toBe(true);
  });
});
