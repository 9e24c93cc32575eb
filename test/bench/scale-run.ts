// The scale run of issue 11 item 6 (`npm run scale`, test/bench/scale.ts): every municipality as its
// own compiled node process, each with a database of its own in a private PostgreSQL cluster, on a
// private RabbitMQ node, with keys exchanged and agreements generated for the run, one street-sleeper
// notice across each of M (sender, recipient) pairs. Private services, because 98 nodes need more
// connections than the shared PostgreSQL allows, and because the run then leaves nothing behind on
// the shared broker (its 98 users go with the node it started).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareFederationKeys } from '../../services/federation/src/keys.ts';
import { brokerDefinitions } from '../../services/gateway/src/amqp/broker-definitions.ts';
import { municipalityName, municipalityNames } from '../../services/gateway/src/config/municipalities.ts';
import { consentRequest, noticeRequest } from '../helpers/messages.ts';
import { freePort, PrivatePostgres, PrivateRabbit } from '../helpers/private-services.ts';
import { eachAtMost, memAvailableMiB, postJson, procCpuSeconds, procRssMiB, waitUntil } from './scale-parts.ts';
import { nodeEnv, nodeFlags } from '../../services/gateway/src/runtime-flags.ts';

export interface ScaleOptions {
  /** The first N municipalities of contracts/municipalities.json. */
  nodes: number;
  /** Distinct (sender, recipient) pairs, one notice each. */
  pairs: number;
  keepLogs: boolean;
  /** Nodes starting at the same time. */
  parallel: number;
  deliveryTimeoutMs: number;
  say: (line: string) => void;
}

export interface ScaleFigures {
  nodes: number;
  healthy: number;
  healthySeconds: number;
  delivered: number;
  messages: number;
  rssTotalMiB: number;
  /** CPU seconds (utime + stime) each healthy node used until its /health answered 200. */
  startCpuSeconds: number[];
  /** Every process (nodes, broker node, cluster) and folder the run made, for a check that none outlives it. */
  started: { pids: number[]; dirs: string[] };
}

export const scaleLine = (f: ScaleFigures) =>
  `scale: ${f.healthy} nodes healthy in ${f.healthySeconds.toFixed(1)} s, ${f.delivered}/${f.messages} messages delivered, rss total ${Math.round(f.rssTotalMiB)} MiB`;

const root = path.resolve(import.meta.dirname, '../..');
const exchange = 'kbscale';
const prefix = 'kbs';
const poolSize = 3; // KB_DB_POOL_SIZE's minimum: the cluster gets max_connections for all of them
/** Below this much free memory no further node is started (the machine is shared). */
const memoryFloorMiB = 2048;

/** Distinct pairs: every node to its next, then to the one after, … so senders and recipients spread evenly. */
export function pairsFor(codes: string[], count: number): [string, string][] {
  const most = codes.length * (codes.length - 1);
  if (count > most) throw new Error(`${codes.length} nodes make only ${most} distinct pairs, not ${count}`);
  const pairs: [string, string][] = [];
  for (let step = 1; pairs.length < count; step++) {
    for (let i = 0; i < codes.length && pairs.length < count; i++) pairs.push([codes[i]!, codes[(i + step) % codes.length]!]);
  }
  return pairs;
}

/** A copy of contracts/ with one street-sleeper-handoff agreement per pair (KB_CONTRACT_DIR). */
function writeContracts(dir: string, pairs: [string, string][]): void {
  cpSync(path.join(root, 'contracts'), dir, { recursive: true });
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  for (const [outreach, home] of pairs) {
    const id = `scale-${outreach}-${home}`;
    const agreement = { id, model: 'street-sleeper-handoff', title: `Scale run: ${municipalityName(outreach)} outreach ↔ ${municipalityName(home)}`, parties: { outreach, home }, validFrom: day(-1), validTo: day(365), keyRotation: 'automatic' };
    writeFileSync(path.join(dir, 'agreements', `${id}.json`), JSON.stringify(agreement, null, 2));
  }
}

interface ScaleNode {
  code: string;
  url: string;
  child: ChildProcess;
  startCpuSeconds?: number;
}

export async function runScale(options: ScaleOptions): Promise<ScaleFigures> {
  const { say } = options;
  const codes = [...municipalityNames.keys()].slice(0, options.nodes);
  const pairs = pairsFor(codes, options.pairs);
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-scale-'));
  const logDir = mkdtempSync(path.join(tmpdir(), 'kb-scale-logs-'));
  const token = `scale-outreach-${randomBytes(12).toString('hex')}`;
  const nodes: ScaleNode[] = [];
  let rabbit: PrivateRabbit | undefined;
  let postgres: PrivatePostgres | undefined;
  const killAll = () => nodes.forEach((n) => n.child.exitCode === null && n.child.kill('SIGKILL'));
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted).off('exit', killAll);
      // SIGTERM lets each node close its connections; one that hangs gets SIGKILL after 20 s.
      const stopping = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
      const exited = stopping.map((n) => new Promise((r) => n.child.once('exit', r)));
      stopping.forEach((n) => n.child.kill('SIGTERM'));
      const hard = setTimeout(killAll, 20_000);
      await Promise.all(exited);
      clearTimeout(hard);
      await Promise.all([rabbit?.stop(), postgres?.stop()]);
      rmSync(dir, { recursive: true, force: true });
      if (options.keepLogs) say(`node logs kept in ${logDir}`);
      else rmSync(logDir, { recursive: true, force: true });
    })());
  // Ctrl+C stops what this run started (its nodes, broker node and cluster), nothing else.
  const interrupted = () => {
    say('interrupted: stopping the nodes, broker node and cluster of this run');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted).once('exit', killAll);

  try {
    say(`${codes.length} nodes, ${pairs.length} pairs; starting a private RabbitMQ node and PostgreSQL cluster (max_connections ${codes.length * poolSize + 20})`);
    // Both settle before going on, so that cleanup stops the one that started when the other failed.
    const [broker, cluster] = await Promise.allSettled([PrivateRabbit.start(), PrivatePostgres.start({ maxConnections: codes.length * poolSize + 20 })]);
    if (broker.status === 'fulfilled') rabbit = broker.value;
    if (cluster.status === 'fulfilled') postgres = cluster.value;
    if (!rabbit || !postgres) throw [broker, cluster].map((s) => s.status === 'rejected' && s.reason).find(Boolean);
    const servicePids = [postgres.pid(), Number((await rabbit.ctl('eval', 'list_to_integer(os:getpid()).')).trim())];

    // One rabbitmqctl call for every broker user: each rabbitmqctl call starts an Erlang VM (seconds of CPU).
    let t0 = Date.now();
    const passwords = new Map(codes.map((code) => [code, randomBytes(18).toString('hex')]));
    const definitions = brokerDefinitions({ exchange, prefix, nodes: codes.map((municipality) => ({ municipality, password: passwords.get(municipality)! })), admin: { user: 'kbscaleadmin', password: randomBytes(18).toString('hex') } });
    // rabbitmqctl runs as the rabbitmq user: the file goes into the broker node's own folder.
    const file = path.join(rabbit.dir, 'definitions.json');
    writeFileSync(file, JSON.stringify(definitions));
    await rabbit.ctl('import_definitions', file);
    rmSync(file);
    say(`broker users: ${codes.length} in one rabbitmqctl import_definitions, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    t0 = Date.now();
    await prepareFederationKeys(dir, codes, () => undefined);
    writeContracts(path.join(dir, 'contracts'), pairs);
    const databases = new Map<string, string>();
    for (const code of codes) databases.set(code, await postgres.createDatabase(`kb_${code}`));
    say(`keys, ${pairs.length} agreements and ${codes.length} databases ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const started = Date.now();
    let lowMemory = false;
    await eachAtMost(codes, options.parallel, async (code) => {
      if (lowMemory || memAvailableMiB() < memoryFloorMiB) {
        if (!lowMemory) say(`less than ${memoryFloorMiB} MiB of memory available: no further node started`);
        lowMemory = true;
        return;
      }
      const port = await freePort();
      const log = openSync(path.join(logDir, `${code}.log`), 'w');
      const user = encodeURIComponent(`${prefix}${code}`);
      const child = spawn(process.execPath, [...nodeFlags, path.join(root, 'dist/gateway/src/main.js')], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          ...nodeEnv,
          NODE_ENV: 'production',
          CHECKPOINT_DISABLE: '1',
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
          KB_MUNICIPALITY: code,
          PORT: String(port),
          AMQP_URL: `amqp://${user}:${passwords.get(code)}@127.0.0.1:${rabbit!.port}`,
          KB_EXCHANGE: exchange,
          KB_BROKER_USER_PREFIX: prefix,
          DATABASE_URL: databases.get(code)!,
          KB_DB_POOL_SIZE: String(poolSize),
          KB_KEY_DIR: path.join(dir, code, 'keys'),
          KB_TRUST_DIR: path.join(dir, 'trust'),
          KB_CONTRACT_DIR: path.join(dir, 'contracts'),
          KB_TOKENS: `${token}=outreach`,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      const node: ScaleNode = { code, url: `http://127.0.0.1:${port}`, child };
      nodes.push(node);
      const healthy = await waitUntil(async () => {
        if (child.exitCode !== null) return false;
        return (await fetch(`${node.url}/health`).catch(() => undefined))?.status === 200;
      }, 180_000, () => child.exitCode !== null);
      if (healthy) node.startCpuSeconds = procCpuSeconds(child.pid!, clockTicks);
      else say(`node ${code} not healthy (${child.exitCode === null ? 'no /health 200 within 180 s' : `exited with ${child.exitCode}`}); its log: ${path.join(logDir, `${code}.log`)}`);
    });
    const healthyNodes = nodes.filter((n) => n.startCpuSeconds !== undefined);
    const healthySeconds = (Date.now() - started) / 1000;
    say(`${healthyNodes.length} of ${codes.length} nodes healthy in ${healthySeconds.toFixed(1)} s`);

    // One consent per sender naming all its recipients, then one notice per pair.
    const byCode = new Map(healthyNodes.map((n) => [n.code, n]));
    const auth = { authorization: `Bearer ${token}` };
    const consentOf = new Map<string, string>();
    await eachAtMost([...new Set(pairs.map(([from]) => from))], 8, async (from) => {
      const node = byCode.get(from);
      if (!node) return;
      const recipients = pairs.filter(([f]) => f === from).map(([, to]) => to);
      const res = await postJson(`${node.url}/consents`, auth, consentRequest({ recipients }));
      if (res.status === 201) consentOf.set(from, res.body.id as string);
      else say(`POST /consents at ${from} answered ${res.status}: ${JSON.stringify(res.body)}`);
    });
    t0 = Date.now();
    const sent: { from: string; id: string }[] = [];
    await eachAtMost(pairs, 8, async ([from, to]) => {
      const node = byCode.get(from);
      const consentId = consentOf.get(from);
      if (!node || !consentId) return;
      const res = await postJson(`${node.url}/messages`, auth, noticeRequest(to, { consentId }));
      if (res.status === 202) sent.push({ from, id: res.body.id as string });
      else say(`POST /messages ${from} → ${to} answered ${res.status}: ${JSON.stringify(res.body)}`);
    });

    // Waits for each sender to mark its notice delivered (the recipient's signed receipt verified).
    const waiting = new Set(sent);
    let delivered = 0;
    await waitUntil(async () => {
      await eachAtMost([...waiting], 16, async (message) => {
        const res = await fetch(`${byCode.get(message.from)!.url}/messages/${message.id}`, { headers: auth }).catch(() => undefined);
        const status = res?.ok ? ((await res.json()) as { status: string }).status : undefined;
        if (status === 'delivered') delivered++;
        if (status === 'delivered' || status === 'rejected') waiting.delete(message);
      });
      return waiting.size === 0;
    }, options.deliveryTimeoutMs);
    say(`${sent.length} notices accepted, ${delivered} delivered in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const rss = healthyNodes.map((n) => procRssMiB(n.child.pid!));
    const cpu = healthyNodes.map((n) => n.startCpuSeconds!);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    if (rss.length > 0) {
      say(`memory: nodes ${Math.round(Math.min(...rss))}–${Math.round(Math.max(...rss))} MiB RSS each; ${Math.round(memAvailableMiB())} MiB of the machine still available`);
      say(`cpu per node start (utime+stime until /health 200): mean ${(sum(cpu) / cpu.length).toFixed(2)} s, max ${Math.max(...cpu).toFixed(2)} s`);
    }
    return {
      nodes: codes.length,
      healthy: healthyNodes.length,
      healthySeconds,
      delivered,
      messages: pairs.length,
      rssTotalMiB: sum(rss),
      startCpuSeconds: cpu,
      started: { pids: [...nodes.map((n) => n.child.pid!), ...servicePids], dirs: [dir, logDir, rabbit.dir, postgres.dir] },
    };
  } finally {
    await cleanup();
  }
}
