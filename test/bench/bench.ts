// npm run bench: N street-sleeper notices 101 → 165 through both pipelines (HTTP API, outbox,
// signing, RabbitMQ, verification, storage, signed receipt back), then the raw amqplib
// publish → consume rate on the same broker for comparison. Prints numbers; asserts nothing.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { TestFederation, amqpUrl } from '../helpers/nodes.ts';
import { ensureTemplate } from '../helpers/postgres.ts';
import { noticeRequest } from '../helpers/messages.ts';

const total = Number(process.env.BENCH_N ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function pipelineRun(): Promise<{ rate: number; p50: number; p99: number; peakRssMb: number }> {
  const federation = new TestFederation();
  await federation.start(['101', '165']);
  const kbh = federation.get('101');
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const allDelivered = new Promise<void>((resolve) => {
    kbh.node.deps.events.on('delivered', (id: string) => {
      const started = sentAt.get(id);
      if (started === undefined) return;
      latencies.push(performance.now() - started);
      if (latencies.length === total) resolve();
    });
  });
  const body = JSON.stringify(noticeRequest('165'));
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const res = await fetch(`${kbh.url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${kbh.token('outreach')}`, 'content-type': 'application/json' }, body });
      if (res.status !== 202) throw new Error(`POST /messages answered ${res.status}: ${await res.text()}`);
      sentAt.set(((await res.json()) as { id: string }).id, t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await allDelivered;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await federation.stop();
  latencies.sort((a, b) => a - b);
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
  console.log(`Kommunebro bench: ${total} notices 101 → 165, ${concurrency} concurrent API clients, one process, PostgreSQL + RabbitMQ`);
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
