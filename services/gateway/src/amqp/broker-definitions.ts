import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { brokerNames, brokerPermissions, brokerUserName, queueArguments, queueTypes, type QueueType } from '../config/broker-names.ts';

/**
 * A RabbitMQ definitions file (loaded at broker start, docker-compose.yml) with one broker user
 * per node, with the same permissions `npm run broker:users` gives, plus an administrator.
 * With a queue type, it also declares each node's queues as the node does (amqp/broker.ts), so a
 * cluster has them, replicated, before a node first starts.
 */

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt ‖ SHA-256(salt ‖ password)), 4-byte salt. */
export function rabbitPasswordHash(password: string, salt = randomBytes(4)): string {
  return Buffer.concat([salt, createHash('sha256').update(salt).update(password, 'utf8').digest()]).toString('base64');
}

export interface DefinitionsInput {
  exchange: string;
  prefix: string;
  nodes: { municipality: string; password: string }[];
  admin: { user: string; password: string };
  queueType?: QueueType;
}

function nodeQueues(exchange: string, municipality: string, type: QueueType) {
  const names = brokerNames(exchange, municipality);
  const args = queueArguments(names, type);
  const queue = (name: string, argumentsOf: Record<string, unknown>) => ({ name, vhost: '/', durable: true, auto_delete: false, arguments: argumentsOf });
  const binding = (source: string, destination: string, routingKey: string) => ({ source, vhost: '/', destination, destination_type: 'queue', routing_key: routingKey, arguments: {} });
  return {
    queues: [queue(names.inbox, args.inbox), queue(names.dead, args.dead)],
    exchanges: [{ name: names.deadExchange, vhost: '/', type: 'fanout', durable: true, auto_delete: false, internal: false, arguments: {} }],
    bindings: [binding(exchange, names.inbox, names.routingKey), binding(names.deadExchange, names.dead, '')],
  };
}

export function brokerDefinitions(input: DefinitionsInput) {
  const user = (name: string, password: string, tags: string[]) => ({ name, password_hash: rabbitPasswordHash(password), hashing_algorithm: 'rabbit_password_hashing_sha256', tags });
  const definitions = {
    users: [user(input.admin.user, input.admin.password, ['administrator']), ...input.nodes.map((n) => user(`${input.prefix}${n.municipality}`, n.password, []))],
    vhosts: [{ name: '/' }],
    permissions: [
      { user: input.admin.user, vhost: '/', configure: '.*', write: '.*', read: '.*' },
      ...input.nodes.map((n) => ({ user: brokerUserName(input.prefix, n.municipality), vhost: '/', ...brokerPermissions(input.exchange, n.municipality) })),
    ],
    exchanges: [{ name: input.exchange, vhost: '/', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
  };
  if (!input.queueType) return definitions;
  const perNode = input.nodes.map((n) => nodeQueues(input.exchange, n.municipality, input.queueType!));
  return {
    ...definitions,
    queues: perNode.flatMap((q) => q.queues),
    exchanges: [...definitions.exchanges, ...perNode.flatMap((q) => q.exchanges)],
    bindings: perNode.flatMap((q) => q.bindings),
  };
}

// As a command: npm run broker:definitions -- [--out deploy/rabbitmq/definitions.json] 101 165 ...
// Passwords come from KB_BROKER_PASSWORD_<code> and KB_BROKER_ADMIN_PASSWORD (as in .env); a
// missing one is made up and printed as a line for .env. KB_QUEUE_TYPE (classic or quorum), when
// set, adds the nodes' queues of that type.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at >= 0 ? args.splice(at, 2)[1] : 'deploy/rabbitmq/definitions.json';
  if (args.length === 0 || !out) {
    console.error('usage: npm run broker:definitions -- [--out <file>] <municipality code> ...');
    process.exit(2);
  }
  const secret = (name: string) => {
    const value = process.env[name];
    if (value) return value;
    const made = randomBytes(18).toString('hex');
    console.log(`${name}=${made}`);
    return made;
  };
  const queueType = process.env.KB_QUEUE_TYPE?.trim() || undefined;
  if (queueType && !queueTypes.includes(queueType as QueueType)) {
    console.error(`KB_QUEUE_TYPE must be ${queueTypes.join(' or ')}, got "${queueType}"`);
    process.exit(2);
  }
  const definitions = brokerDefinitions({
    queueType: queueType as QueueType | undefined,
    exchange: process.env.KB_EXCHANGE ?? 'kommunebro',
    prefix: process.env.KB_BROKER_USER_PREFIX ?? 'kb',
    nodes: args.map((municipality) => ({ municipality, password: secret(`KB_BROKER_PASSWORD_${municipality}`) })),
    admin: { user: process.env.KB_BROKER_ADMIN_USER ?? 'kbadmin', password: secret('KB_BROKER_ADMIN_PASSWORD') },
  });
  writeFileSync(out, `${JSON.stringify(definitions, null, 2)}\n`);
  console.error(`Wrote ${out}: ${args.length} node user(s) and the administrator${queueType ? `, and their ${queueType} queues` : ''}.`);
}
