// npm run bench: street-sleeper notices 101 → 165 through both pipelines (HTTP API, group commit,
// outbox, signing, RabbitMQ, verification, storage, signed receipt back), both nodes as their own
// compiled processes on PostgreSQL, as in production. Three runs:
//   1. saturation: BENCH_N notices from BENCH_CONCURRENCY clients, POST accepted → receipt verified;
//   2. paced: BENCH_RATE notices a second for BENCH_PACED_SECONDS, latency POST → delivered;
//   3. raw amqplib publish → consume on the same broker, persistent with confirms, same size.
// After the saturation run it times node-jose's operations one by one and says what share of the
// nodes' CPU per message they are. Prints its figures, asserts nothing; the last line holds all of
// them. BENCH_CPU_PROF=<dir> writes each node's CPU profile (--cpu-prof) there. Nodes start as in
// production (runtime-flags.ts); BENCH_NODE_ARGS adds node options to compare (a later flag wins:
// "--max-semi-space-size=0 --max-old-space-size=0" are V8's defaults), and MALLOC_ARENA_MAX in the
// environment overrides.
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import amqp from 'amqplib';
import pg from 'pg';
import { TestFederation, amqpUrl, eventually } from '../helpers/nodes.ts';
import jose from 'node-jose';
import { consentRequest, noticeEnvelope, noticeRequest } from '../helpers/messages.ts';
import { generateSigningKey, sign, verifyWith, type PublicJwk } from '../../services/gateway/src/crypto/jws.ts';
import { decryptWith, encryptTo, generateEncryptionKey } from '../../services/gateway/src/crypto/jwe.ts';
import { createTestDatabase, ensureTemplate } from '../helpers/postgres.ts';
import { createBrokerUser, deleteBrokerUser, urlFor } from '../../services/gateway/src/amqp/broker-users.ts';
import { nodeEnv, nodeFlags } from '../../services/gateway/src/runtime-flags.ts';
import { procCpuSeconds, procRssMiB } from './scale-parts.ts';
import { summarizeProfile } from './cpu-profile.ts';

const total = Number(process.env.BENCH_N ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const pacedRate = Number(process.env.BENCH_RATE ?? 100);
const pacedSeconds = Number(process.env.BENCH_PACED_SECONDS ?? 30);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
/** CPU seconds (user + system, all threads) a node process has used; USER_HZ is 100 on Linux. */
const cpuSeconds = (pid: number | undefined) => procCpuSeconds(pid!, 100);
const rssMb = (pid: number | undefined) => procRssMiB(pid!);

/** CPU seconds of every process of a command (`postgres`, `beam.smp`): the machine's shared services. */
function commandCpuSeconds(command: string): number {
  let seconds = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command) seconds += procCpuSeconds(Number(pid), 100);
    } catch {
      // The process ended meanwhile.
    }
  }
  return seconds;
}

interface BenchNode {
  code: string;
  url: string;
  token: string;
  child: ChildProcess;
  databaseUrl: string;
  stop: () => Promise<void>;
}

/** One municipality's node as a compiled process with its own database and broker user. */
async function startNode(federation: TestFederation, code: string): Promise<BenchNode> {
  const db = await createTestDatabase();
  const brokerUser = await createBrokerUser(code, federation.exchange, federation.brokerPrefix);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const token = `bench-${code}-token-${randomBytes(8).toString('hex')}`;
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...nodeFlags, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), 'dist/gateway/src/main.js'], {
    env: {
      ...nodeEnv,
      ...process.env,
      KB_MUNICIPALITY: code,
      PORT: String(port),
      AMQP_URL: urlFor(amqpUrl, brokerUser),
      KB_BROKER_USER_PREFIX: federation.brokerPrefix,
      KB_EXCHANGE: federation.exchange,
      DATABASE_URL: db.url,
      KB_KEY_DIR: federation.keyDir(code),
      KB_TRUST_DIR: federation.trustDir,
      KB_TOKENS: `${token}=outreach`,
      LOG_LEVEL: 'warn',
    },
    // BENCH_LOG_DIR=<dir>: each node's log in <dir>/<code>.log.
    stdio: ['ignore', process.env.BENCH_LOG_DIR ? openSync(`${process.env.BENCH_LOG_DIR}/${code}.log`, 'w') : 'ignore', 'inherit'],
  });
  // Never leave a child behind, even when the bench fails.
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await eventually(`${code} healthy`, async () => (await fetch(`${url}/health`).catch(() => undefined))?.status === 200, 120_000);
  return {
    code,
    url,
    token,
    child,
    databaseUrl: db.url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await db.drop();
      await deleteBrokerUser(brokerUser.user);
    },
  };
}

/** One query on a node's database, on a connection of its own. */
async function queryNode<Row extends pg.QueryResultRow>(node: BenchNode, sql: string, values: unknown[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: node.databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A time per message id, read from a node's database (`sql` selects `id` and `at` for the ids in
 * `$1`). A row without one (a row the relay has not marked yet, it marks in the background) is left out.
 */
async function timesOf(node: BenchNode, sql: string, ids: string[]): Promise<Map<string, number>> {
  const rows = await queryNode<{ id: string; at: Date | null }>(node, sql, [ids]);
  return new Map(rows.filter((r) => r.at !== null).map((r) => [r.id, r.at!.getTime()]));
}

/** When each of the given outbound messages was delivered (receipt verified), read from the sender's database. */
const deliveredAtOf = (node: BenchNode, ids: string[]) => timesOf(node, `SELECT id, "deliveredAt" AS at FROM "Message" WHERE id = ANY($1)`, ids);

/** Only counted while waiting, so the bench's own polling costs the database little. */
async function countDelivered(node: BenchNode, ids: string[]): Promise<number> {
  const [row] = await queryNode<{ n: number }>(node, `SELECT count(*)::int AS n FROM "Message" WHERE id = ANY($1) AND "deliveredAt" IS NOT NULL`, [ids]);
  return row!.n;
}

/**
 * POST /messages over kept-alive connections with node:http: the load generator shares the two
 * cores with the nodes, and fetch costs it about twice the CPU per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(concurrency, 16) });
function post(sender: BenchNode, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${sender.url}/messages`, { method: 'POST', agent, headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 202) return reject(new Error(`POST /messages answered ${res.statusCode}: ${text}`));
        resolve((JSON.parse(text) as { id: string }).id);
      });
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function waitDelivered(sender: BenchNode, ids: string[], timeoutMs = 300_000): Promise<Map<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const count = await countDelivered(sender, ids);
    if (count === ids.length) return deliveredAtOf(sender, ids);
    if (Date.now() > until) throw new Error(`only ${count} of ${ids.length} receipts in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Saturation: everything as fast as the clients can post; from the first POST to the last receipt. */
async function saturation(sender: BenchNode, body: string): Promise<number> {
  const ids: string[] = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        ids.push(await post(sender, body));
      }
    }),
  );
  const delivered = await waitDelivered(sender, ids);
  const last = Math.max(...ids.map((id) => delivered.get(id)!));
  return total / ((last - started) / 1000);
}

/** A steady offered load: one POST every 1/rate seconds, each timed from its POST to its delivery. */
async function paced(sender: BenchNode, receiver: BenchNode, body: string): Promise<{ p50: number; p99: number; stages: string }> {
  const postedAt = new Map<string, number>();
  const count = pacedRate * pacedSeconds;
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / pacedRate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = Date.now();
    inFlight.push(post(sender, body).then((id) => void postedAt.set(id, t0)));
  }
  await Promise.all(inFlight);
  const delivered = await waitDelivered(sender, [...postedAt.keys()]);
  const latencies = [...postedAt].map(([id, t0]) => delivered.get(id)! - t0).sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), stages: await stages(sender, receiver, postedAt) };
}

/**
 * Where a paced message's time went, from both nodes' databases: the median of each stage and its
 * 99th percentile. Stages: POST → stored (the store's transaction began: API, look-ups), →
 * published by the sender's relay (group commit, relay, seal, broker confirm), → received (broker, decrypt, verify, checks), → receipt published (store,
 * recipient's relay), → delivered (broker, receipt verified, marked at the sender).
 */
async function stages(sender: BenchNode, receiver: BenchNode, postedAt: Map<string, number>): Promise<string> {
  const ids = [...postedAt.keys()];
  const at = (node: BenchNode, sql: string) => timesOf(node, sql, ids);
  const stored = await at(sender, `SELECT id, "createdAt" AS at FROM "Message" WHERE id = ANY($1)`);
  const sent = await at(sender, `SELECT id, "sentAt" AS at FROM "Message" WHERE id = ANY($1)`);
  const delivered = await deliveredAtOf(sender, ids);
  const received = await at(receiver, `SELECT id, "receivedAt" AS at FROM "Message" WHERE id = ANY($1)`);
  const receipted = await at(receiver, `SELECT envelope->>'inReplyTo' AS id, "publishedAt" AS at FROM "OutboxEntry" WHERE kind = 'receipt' AND envelope->>'inReplyTo' = ANY($1)`);
  const marks: [string, Map<string, number>][] = [['stored', stored], ['published', sent], ['received', received], ['receipt published', receipted], ['delivered', delivered]];
  let from = (id: string) => postedAt.get(id)!;
  let text = 'POST';
  for (const [name, times] of marks) {
    const start = from;
    const gaps = ids.filter((id) => times.has(id) && !Number.isNaN(start(id))).map((id) => times.get(id)! - start(id)).sort((a, b) => a - b);
    text += ` → ${name} ${percentile(gaps, 50)}/${percentile(gaps, 99)} ms`;
    from = (id) => times.get(id) ?? Number.NaN;
  }
  return `${text} (median/p99 of each step)`;
}

async function rawRun(bytes: number): Promise<number> {
  const connection = await amqp.connect(amqpUrl);
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = `kbbench-${randomBytes(4).toString('hex')}`;
  await publisher.assertQueue(queue, { durable: true });
  const body = Buffer.alloc(bytes, 'x');
  let received = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.consume(queue, (m) => {
      if (!m) return;
      consumer.ack(m);
      if (++received === total) resolve();
    });
  });
  const started = performance.now();
  for (let i = 0; i < total; i += 100) {
    for (let j = i; j < Math.min(total, i + 100); j++) publisher.sendToQueue(queue, body, { persistent: true });
    await publisher.waitForConfirms();
  }
  await done;
  const rate = total / ((performance.now() - started) / 1000);
  await publisher.deleteQueue(queue);
  await connection.close();
  return rate;
}

/**
 * What node-jose costs per message, measured here one operation at a time on the bench's own keys
 * and body: a message is signed and encrypted by the sender, decrypted and verified by the
 * recipient, whose receipt is signed and then verified by the sender.
 */
async function joseCost(body: string): Promise<{ perMessageMs: number; text: string }> {
  const signing = await generateSigningKey('101');
  const key = { kid: signing.kid, key: signing, publicJwk: signing.toJSON() as PublicJwk };
  const encryption = await generateEncryptionKey('165');
  const store = jose.JWK.createKeyStore();
  await store.add(encryption.toJSON(true));
  const [verifying, recipient] = [await jose.JWK.asKey(signing.toJSON()), await jose.JWK.asKey(encryption.toJSON())];
  const envelope = { ...noticeEnvelope('101', '165'), payload: JSON.parse(body).payload };
  const jws = await sign(key, envelope);
  const jwe = await encryptTo(recipient, jws);
  const time = async (work: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await work();
    const started = performance.now();
    for (let i = 0; i < 200; i++) await work();
    return (performance.now() - started) / 200;
  };
  const ms = { sign: await time(() => sign(key, envelope)), verify: await time(() => verifyWith(verifying, jws)), encrypt: await time(() => encryptTo(recipient, jws)), decrypt: await time(() => decryptWith(store, jwe)) };
  const perMessageMs = 2 * ms.sign + 2 * ms.verify + ms.encrypt + ms.decrypt;
  return { perMessageMs, text: `sign ${ms.sign.toFixed(2)} ms × 2, verify ${ms.verify.toFixed(2)} ms × 2, encrypt ${ms.encrypt.toFixed(2)} ms, decrypt ${ms.decrypt.toFixed(2)} ms` };
}

async function main(): Promise<void> {
  await ensureTemplate();
  console.log(`Kommunebro bench: 101 → 165, two compiled node processes on PostgreSQL and RabbitMQ`);
  const federation = new TestFederation();
  await federation.prepareKeys(['101', '165']);
  const [receiver, sender] = [await startNode(federation, '165'), await startNode(federation, '101')];
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(sender.child.pid), rssMb(receiver.child.pid))), 100);
  try {
    const consent = await fetch(`${sender.url}/consents`, { method: 'POST', headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' }, body: JSON.stringify(consentRequest()) });
    if (consent.status !== 201) throw new Error(`POST /consents answered ${consent.status}`);
    const body = JSON.stringify(noticeRequest('165', { consentId: ((await consent.json()) as { id: string }).id }));
    const idleRss = Math.max(rssMb(sender.child.pid), rssMb(receiver.child.pid));
    console.log(`idle: largest node RSS ${idleRss.toFixed(0)} MiB`);

    const cpu = () => ({ nodes: cpuSeconds(sender.child.pid) + cpuSeconds(receiver.child.pid), postgres: commandCpuSeconds('postgres'), rabbitmq: commandCpuSeconds('beam.smp'), bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 });
    const cpuBefore = cpu();
    const rate = await saturation(sender, body);
    const cpuAfter = cpu();
    const perMessageMs = (key: keyof typeof cpuBefore) => ((cpuAfter[key] - cpuBefore[key]) * 1000) / total;
    const nodeCpuMs = perMessageMs('nodes');
    console.log(`saturation: ${total} notices from ${concurrency} clients: ${rate.toFixed(0)} msg/s end to end`);
    console.log(
      `saturation CPU per message: nodes ${nodeCpuMs.toFixed(1)} ms, PostgreSQL ${perMessageMs('postgres').toFixed(1)} ms, RabbitMQ ${perMessageMs('rabbitmq').toFixed(1)} ms, load generator ${perMessageMs('bench').toFixed(1)} ms`,
    );
    const crypto = await joseCost(body);
    console.log(
      `node-jose: ${crypto.perMessageMs.toFixed(1)} ms per message (${crypto.text}) of ${nodeCpuMs.toFixed(1)} ms CPU per message in the two nodes: ${((100 * crypto.perMessageMs) / nodeCpuMs).toFixed(0)} %` +
        (process.env.KB_JOSE_THREADS ? ` (nodes with KB_JOSE_THREADS=${process.env.KB_JOSE_THREADS})` : ''),
    );
    const latency = await paced(sender, receiver, body);
    console.log(`paced: ${pacedRate} msg/s for ${pacedSeconds} s: POST → delivered p50 ${latency.p50} ms, p99 ${latency.p99} ms`);
    console.log(`paced steps: ${latency.stages}`);
    clearInterval(sampler);
    const raw = await rawRun(Buffer.byteLength(body) + 600); // a signed notice: the body, its envelope and a signature
    console.log(`raw amqplib: ${raw.toFixed(0)} msg/s (persistent, confirms, publish → consume)`);
    console.log(
      `bench: pipeline ${rate.toFixed(0)} msg/s, raw ${raw.toFixed(0)} msg/s, ratio ${(raw / rate).toFixed(1)}x, p50@${pacedRate} ${latency.p50} ms, p99@${pacedRate} ${latency.p99} ms, rss ${peakRss.toFixed(0)} MiB per node`,
    );
  } finally {
    clearInterval(sampler);
    await sender.stop();
    await receiver.stop();
    await federation.stop();
  }
  // Each node writes its profile when it exits: where its busy time went, by origin.
  if (process.env.BENCH_CPU_PROF) {
    for (const file of readdirSync(process.env.BENCH_CPU_PROF).filter((f) => f.endsWith('.cpuprofile'))) {
      console.log(`CPU profile ${file}:\n${summarizeProfile(path.join(process.env.BENCH_CPU_PROF, file)).join('\n')}`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
