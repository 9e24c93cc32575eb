// `npm start`: a local federation of gateway nodes, one process per municipality, each with its
// own embedded database folder, on the local RabbitMQ.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { roles, type Role } from '../../gateway/src/config/index.ts';
import { municipalityName } from '../../gateway/src/config/municipalities.ts';
import { prepareFederationKeys } from './keys.ts';
import { NodeClient } from '../../gateway/src/cli/main.ts';
import { createBrokerUser, urlFor } from '../../gateway/src/amqp/broker-users.ts';

const codes = (process.env.KB_FEDERATION_NODES ?? '101,165,161,159,657').split(',').map((c) => c.trim());
const dir = path.resolve(process.env.KB_FEDERATION_DIR ?? 'data/federation');
const portBase = Number(process.env.KB_FEDERATION_PORT_BASE ?? 8000);
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = process.env.KB_EXCHANGE ?? 'kommunebro';
const brokerPrefix = process.env.KB_BROKER_USER_PREFIX ?? 'kb';
const root = path.resolve(import.meta.dirname, '../../..');

const portOf = (code: string) => portBase + Number(code);
const redactedUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

async function checkBroker(): Promise<void> {
  try {
    const connection = await amqp.connect(amqpUrl, { timeout: 5000 });
    await connection.close();
  } catch (error) {
    console.error(`RabbitMQ does not answer at ${redactedUrl(amqpUrl)} (${(error as Error).message}).`);
    console.error('Start it, then run npm start again:');
    console.error('  on this machine:   rabbitmq-server -detached');
    console.error('  with Docker:       docker compose up -d rabbitmq');
    console.error('  elsewhere:         set AMQP_URL=amqp://user:pass@host:5672');
    process.exit(1);
  }
}

/** Each node's admin token is provisioned from configuration; the other roles' tokens are made through its API. */
function loadAdminTokens(): Record<string, string> {
  const file = path.join(dir, 'admin-tokens.json');
  const tokens: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const code of codes) tokens[code] ??= `dev-${code}-admin-${randomBytes(16).toString('hex')}`;
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

/** Role tokens are kept between runs (hashed in each node's database) so curl commands keep working. */
async function roleTokens(adminTokens: Record<string, string>): Promise<Record<string, Record<Role, string>>> {
  const file = path.join(dir, 'tokens.json');
  const saved: Record<string, Record<Role, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const tokens: Record<string, Record<Role, string>> = {};
  for (const code of codes) {
    const api = new NodeClient(`http://127.0.0.1:${portOf(code)}`, adminTokens[code]!);
    const entry = { admin: adminTokens[code]! } as Record<Role, string>;
    for (const role of roles.filter((r) => r !== 'admin')) {
      const known = saved[code]?.[role];
      const valid = known && (await fetch(`http://127.0.0.1:${portOf(code)}/messages?limit=1`, { headers: { authorization: `Bearer ${known}` } })).status === 200;
      entry[role] = valid ? known : (await api.call('POST', '/admin/tokens', { role, label: `federation ${role}`, expiresInDays: 365 })).token;
    }
    tokens[code] = entry;
  }
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

/** One broker user per node (rabbitmqctl on this machine); without it, the shared URL and no user check. */
async function brokerUrls(): Promise<{ urls: Record<string, string>; prefix?: string }> {
  try {
    const urls: Record<string, string> = {};
    for (const code of codes) urls[code] = urlFor(amqpUrl, await createBrokerUser(code, exchange, brokerPrefix));
    console.log(`Broker users ${codes.map((c) => brokerPrefix + c).join(', ')} made with rabbitmqctl: each may publish to ${exchange} and read only its own queue.`);
    return { urls, prefix: brokerPrefix };
  } catch (error) {
    console.warn(`Could not make per-node broker users (${(error as Error).message.split('\n')[0]}); all nodes share ${redactedUrl(amqpUrl)} and the broker-user check is off.`);
    return { urls: Object.fromEntries(codes.map((c) => [c, amqpUrl])) };
  }
}

async function waitHealthy(code: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`node ${code} exited with code ${child.exitCode}; see ${path.join(dir, code, 'node.log')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${portOf(code)}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`node ${code} did not become healthy within 60 s; see ${path.join(dir, code, 'node.log')}`);
}

async function main(): Promise<void> {
  await checkBroker();
  mkdirSync(dir, { recursive: true });

  console.log('Preparing node keys (each node migrates its own embedded database at start)');
  await prepareFederationKeys(dir, codes);

  const adminTokens = loadAdminTokens();
  const broker = await brokerUrls();
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const exits = [...children.values()].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))));
    void Promise.all(exits).then(() => process.exit(exitCode));
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  // issue 12: a node that died is started again (a supervisor's job), unless it keeps dying.
  const recentRestarts = new Map<string, number[]>();
  const spawnNode = (code: string) => {
    const log = createWriteStream(path.join(dir, code, 'node.log'), { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/gateway/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        KB_MUNICIPALITY: code,
        PORT: String(portOf(code)),
        AMQP_URL: broker.urls[code]!,
        KB_EXCHANGE: exchange,
        ...(broker.prefix ? { KB_BROKER_USER_PREFIX: broker.prefix } : {}),
        DATABASE_URL: '',
        PGLITE_DIR: path.join(dir, code, 'db'),
        KB_KEY_DIR: path.join(dir, code, 'keys'),
        KB_TRUST_DIR: path.join(dir, 'trust'),
        KB_TOKENS: `${adminTokens[code]}=admin`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.on('exit', (exitCode) => {
      if (stopping) return;
      const restarts = (recentRestarts.get(code) ?? []).filter((t) => t > Date.now() - 60_000);
      if (restarts.length >= 3) {
        console.error(`Node ${code} stopped unexpectedly (exit ${exitCode}) three times within a minute; see ${path.join(dir, code, 'node.log')}. Stopping the federation.`);
        return stopAll(1);
      }
      recentRestarts.set(code, [...restarts, Date.now()]);
      console.error(`Node ${code} stopped unexpectedly (exit ${exitCode}); see ${path.join(dir, code, 'node.log')}. Starting it again.`);
      setTimeout(() => !stopping && spawnNode(code), 1000);
    });
    children.set(code, child);
  };
  for (const code of codes) spawnNode(code);
  try {
    await Promise.all(codes.map((code) => waitHealthy(code, children.get(code)!)));
  } catch (error) {
    console.error((error as Error).message);
    stopAll(1);
    return;
  }

  const tokens = await roleTokens(adminTokens);
  console.log('Role tokens were made through each node\'s API (npm run kb -- tokens create), stored hashed by the node.\n');
  console.log('Federation running on RabbitMQ', redactedUrl(amqpUrl), `(exchange ${exchange}):`);
  for (const code of codes) {
    console.log(`\n  ${code} ${municipalityName(code)}  http://127.0.0.1:${portOf(code)}   log: ${path.relative(root, path.join(dir, code, 'node.log'))}`);
    // The console is served by the node itself; log in there with one of the tokens below.
    console.log(`    console    http://127.0.0.1:${portOf(code)}/`);
    // Same read-aloud format as the console and `npm run kb -- keys list` (phoneFingerprint in crypto/keys.ts).
    const { own } = await new NodeClient(`http://127.0.0.1:${portOf(code)}`, adminTokens[code]!).call('GET', '/admin/keys');
    console.log(`    key        ${own.current}  ${own.fingerprint}`);
    for (const r of roles) console.log(`    ${r.padEnd(10)} ${tokens[code]![r]}`);
  }
  const [from = '101', to = '165'] = codes;
  // The notice needs the citizen's consent in the sender's consent log: record one for the example.
  const consent = await fetch(`http://127.0.0.1:${portOf(from)}/consents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[from]!.outreach}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      citizen: { description: 'Man, about 50, green jacket' },
      purpose: 'street-sleeper-handoff',
      recipients: [to],
      categories: ['identity', 'whereabouts', 'wishes'],
      source: 'citizen',
      sourceNote: 'The citizen himself, at Hovedbanegården',
      method: 'oral',
      givenAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    }),
  });
  const consentId = ((await consent.json()) as { id: string }).id;
  const notice = {
    type: 'street-sleeper.notice',
    to,
    consentId,
    payload: {
      citizen: { description: 'Man, about 50, green jacket', approximateAge: 50 },
      observed: { place: 'Hovedbanegården', at: new Date().toISOString() },
      wishes: ['go-home'],
      outreachContact: { name: 'Mette Holm', phone: '+45 33 66 33 66' },
    },
  };
  console.log(`\nA consent for the example was recorded at ${municipalityName(from)} (id ${consentId}). Send a street-sleeper notice under it to ${municipalityName(to)}:\n`);
  console.log(`  curl -s -X POST http://127.0.0.1:${portOf(from)}/messages \\`);
  console.log(`    -H 'authorization: Bearer ${tokens[from]!.outreach}' -H 'content-type: application/json' \\`);
  console.log(`    -d '${JSON.stringify(notice)}'`);
  console.log(`\nThen follow it (use the id from the answer):\n`);
  console.log(`  curl -s http://127.0.0.1:${portOf(from)}/messages/<id> -H 'authorization: Bearer ${tokens[from]!.caseworker}'`);
  console.log(`  curl -s 'http://127.0.0.1:${portOf(to)}/messages?direction=in' -H 'authorization: Bearer ${tokens[to]!.caseworker}'`);
  console.log('\nFederation ready. Ctrl+C stops every node.');
}

main().catch((error) => {
  console.error(`Federation failed: ${(error as Error).message}`);
  process.exit(1);
});
