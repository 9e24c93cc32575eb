import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { brokerPermissions, brokerUserName } from '../config/broker-names.ts';

const run = promisify(execFile);

/** Another local RabbitMQ node than the default: its name, or rabbitmqctl's global options (a node of a cluster with a cookie of its own). */
export type RabbitNode = string | string[];

const nodeArgs = (node?: RabbitNode) => (node === undefined ? [] : typeof node === 'string' ? ['-n', node] : node);

export interface BrokerUser {
  municipality: string;
  user: string;
  password: string;
}

/**
 * One broker user per node that may declare and write only the shared exchange and
 * its own queue and dead-letter exchange, and read (consume, bind from) only those. Uses
 * rabbitmqctl on the local RabbitMQ; idempotent (an existing user gets the new password).
 */
export async function createBrokerUser(municipality: string, exchange: string, prefix: string, password = randomBytes(18).toString('hex'), rabbitNode?: RabbitNode): Promise<BrokerUser> {
  const ctl = (...args: string[]) => run('rabbitmqctl', [...nodeArgs(rabbitNode), ...args]);
  const user = brokerUserName(prefix, municipality);
  const permissions = brokerPermissions(exchange, municipality);
  try {
    await ctl('add_user', user, password);
  } catch (error) {
    if (!String((error as { stderr?: string }).stderr ?? error).includes('already exists')) throw error;
    await ctl('change_password', user, password);
  }
  await ctl('set_permissions', '-p', '/', user, permissions.configure, permissions.write, permissions.read);
  return { municipality, user, password };
}

/** `rabbitNode`: another local node than the default one (fault tests run a private node). */
export async function deleteBrokerUser(user: string, rabbitNode?: RabbitNode): Promise<void> {
  await run('rabbitmqctl', [...nodeArgs(rabbitNode), 'delete_user', user]).catch(() => undefined);
}

/** An AMQP URL for the node's own broker user on the same host. */
export function urlFor(baseUrl: string, user: BrokerUser): string {
  const url = new URL(baseUrl);
  url.username = encodeURIComponent(user.user);
  url.password = encodeURIComponent(user.password);
  return url.toString();
}

// As a command: npm run broker:users -- 101 165 ...  (KB_EXCHANGE, KB_BROKER_USER_PREFIX, AMQP_URL)
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const codes = process.argv.slice(2);
  const exchange = process.env.KB_EXCHANGE ?? 'kommunebro';
  const prefix = process.env.KB_BROKER_USER_PREFIX ?? 'kb';
  const base = process.env.AMQP_URL ?? 'amqp://127.0.0.1:5672';
  if (codes.length === 0) {
    console.error('usage: npm run broker:users -- <municipality code> ...');
    process.exit(2);
  }
  (async () => {
    for (const code of codes) {
      const user = await createBrokerUser(code, exchange, prefix);
      console.log(`${code}  AMQP_URL=${urlFor(base, user)}`);
    }
    console.log(`Start each node with its AMQP_URL and KB_BROKER_USER_PREFIX=${prefix}.`);
  })().catch((error) => {
    console.error(`Creating broker users failed (rabbitmqctl must reach the local RabbitMQ): ${(error as Error).message}`);
    process.exit(1);
  });
}
