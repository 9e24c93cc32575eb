// npm run bench: N street-sleeper notices 101 → 165 through both pipelines (HTTP API, outbox,
// signing, RabbitMQ, verification, storage, signed receipt back), 101 in this process and 165 as
// its own process, then the raw amqplib publish → consume rate on the same broker for
// comparison. Prints numbers; asserts nothing. Peak RSS is this process's (101 and the clients).
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { spawn } from 'node:child_process';
import { TestFederation, amqpUrl, eventually } from '../helpers/nodes.ts';
import { createTestDatabase, ensureTemplate } from '../helpers/postgres.ts';
import { createBrokerUser, deleteBrokerUser, urlFor } from '../../services/gateway/src/amqp/broker-users.ts';
import { noticeRequest } from '../helpers/messages.ts';

const total = Number(process.env.BENCH_N ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Albertslund as its own process, as in production; København in this process, to time each receipt. */
async function startAlbertslund(federation: TestFederation): Promise<{ stop: () => Promise<void> }> {
  const db = await createTestDatabase();
  const brokerUser = await createBrokerUser('165', federation.exchange, federation.brokerPrefix);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    env: {
      ...process.env,
      KB_MUNICIPALITY: '165',
      PORT: String(port),
      AMQP_URL: urlFor(amqpUrl, brokerUser),
      KB_BROKER_USER_PREFIX: federation.brokerPrefix,
      KB_EXCHANGE: federation.exchange,
      DATABASE_URL: db.url,
      KB_KEY_DIR: federation.keyDir('165'),
      KB_TRUST_DIR: federation.trustDir,
      KB_TOKENS: 'bench-165-caseworker-token=caseworker',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', process.env.BENCH_TRACE ? 'inherit' : 'ignore', 'inherit'],
  });
  // Never leave the child behind, even when the bench fails.
  process.once('exit', () => child.kill('SIGKILL'));
  await eventually('Albertslund healthy', async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, 60_000);
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await db.drop();
      await deleteBrokerUser(brokerUser.user);
    },
  };
}

async function pipelineRun(): Promise<{ rate: number; p50: number; p99: number; peakRssMb: number }> {
  const federation = new TestFederation();
  await federation.start(['101'], { extraTrusted: ['165'] });
  const albertslund = await startAlbertslund(federation);
  const kbh = federation.get('101');
  const sentAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // A receipt can arrive before the POST's answer is read, so both sides are recorded and joined.
  let posted = 0;
  let settle: () => void = () => undefined;
  const allDelivered = new Promise<void>((resolve) => (settle = resolve));
  const check = () => {
    if (posted === total && [...sentAt.keys()].every((id) => deliveredAt.has(id))) settle();
  };
  kbh.node.parts.events.on('delivered', (id: string) => {
    deliveredAt.set(id, performance.now());
    if (deliveredAt.size >= total) check();
  });
  const body = JSON.stringify(noticeRequest('165', { consentId: await federation.consent('101') }));
  // BENCH_TRACE=1 prints, each second, where messages wait: København's outbox and both inboxes.
  const depths = process.env.BENCH_TRACE
    ? setInterval(async () => {
        const conn = await amqp.connect(amqpUrl).catch(() => undefined);
        if (!conn) return;
        try {
          const ch = await conn.createChannel();
          const q165 = (await ch.checkQueue(`${federation.exchange}.165.inbox`)).messageCount;
          const q101 = (await ch.checkQueue(`${federation.exchange}.101.inbox`)).messageCount;
          console.log('outbox101', await kbh.node.parts.outbox.countPending(), 'q165', q165, 'q101', q101, 'delivered', deliveredAt.size, 'posted', posted);
        } catch {
          // the run is ending
        } finally {
          await conn.close().catch(() => undefined);
        }
      }, 1000)
    : undefined;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const res = await fetch(`${kbh.url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${kbh.token('outreach')}`, 'content-type': 'application/json' }, body });
      if (res.status !== 202) throw new Error(`POST /messages answered ${res.status}: ${await res.text()}`);
      sentAt.set(((await res.json()) as { id: string }).id, t0);
      posted++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  check();
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Number(process.env.BENCH_TIMEOUT_MS ?? 300_000)).unref());
  if ((await Promise.race([allDelivered, timeout])) === 'timeout') {
    const missing = [...sentAt.keys()].filter((id) => !deliveredAt.has(id));
    const statuses = await Promise.all(missing.slice(0, 20).map(async (id) => kbh.node.parts.messages.find(id)));
    throw new Error(`only ${deliveredAt.size} of ${total} receipts in time; not delivered: ${JSON.stringify(statuses.map((m) => ({ id: m?.id, status: m?.status, reason: m?.reason })))}`);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(depths);
  await albertslund.stop();
  await federation.stop();
  const latencies = [...sentAt].map(([id, t0]) => deliveredAt.get(id)! - t0).sort((a, b) => a - b);
  return { rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), peakRssMb: peakRss / 2 ** 20 };
}

async function rawRun(): Promise<number> {
  const connection = await amqp.connect(amqpUrl);
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = `kbbench-${randomBytes(4).toString('hex')}`;
  await publisher.assertQueue(queue, { durable: true });
  const body = randomBytes(1024).toString('hex'); // 2 KB, about a signed notice
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
    for (let j = i; j < Math.min(total, i + 100); j++) publisher.sendToQueue(queue, Buffer.from(body), { persistent: true });
    await publisher.waitForConfirms();
  }
  await done;
  const rate = total / ((performance.now() - started) / 1000);
  await publisher.deleteQueue(queue);
  await connection.close();
  return rate;
}

async function main(): Promise<void> {
  await ensureTemplate();
  console.log(`Kommunebro bench: ${total} notices 101 → 165, ${concurrency} concurrent API clients, two node processes, PostgreSQL + RabbitMQ`);
  const pipeline = await pipelineRun();
  const raw = await rawRun();
  console.log(`pipeline end to end   ${pipeline.rate.toFixed(0)} msg/s   latency p50 ${pipeline.p50.toFixed(0)} ms  p99 ${pipeline.p99.toFixed(0)} ms   peak RSS ${pipeline.peakRssMb.toFixed(0)} MiB`);
  console.log(`raw amqplib           ${raw.toFixed(0)} msg/s   (2 KB persistent, confirms, publish → consume)`);
  console.log(`ratio raw / pipeline  ${(raw / pipeline.rate).toFixed(1)}x`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
