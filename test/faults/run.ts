// The fault run of issue 12: two nodes (sender 101, receiver 165) on a private RabbitMQ node (or,
// with `cluster`, a private three-node RabbitMQ cluster with quorum queues) and a private PostgreSQL
// cluster, N notices while the broker, the nodes and PostgreSQL are made to fail. Longer than 250
// lines: the fault plans share the run's nodes and counters, and read best next to them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareFederationKeys } from '../../services/federation/src/keys.ts';
import { createBrokerUser, urlFor } from '../../services/gateway/src/amqp/broker-users.ts';
import { brokerNames, connectToAny } from '../../services/gateway/src/amqp/broker.ts';
import { consentRequest, noticeRequest } from '../helpers/messages.ts';
import { freePort, PrivatePostgres, PrivateRabbitCluster, type PrivateRabbit } from '../helpers/private-services.ts';
import { NodeProcess } from './processes.ts';
import { sendNotices, type SendResult } from './clients.ts';

export interface FaultOptions {
  count: number;
  concurrency: number;
  /** `full`: 3 broker restarts (one kill -9), receiver kill -9 ×3, sender ×1, PostgreSQL ×2; `short`: one of each. */
  plan: 'full' | 'short';
  /**
   * Three RabbitMQ nodes in a cluster, the nodes' queues quorum queues, each gateway node given all
   * three brokers; broker nodes are stopped or killed (and started again) instead of restarted.
   */
  cluster?: boolean;
  drainTimeoutMs: number;
  say: (line: string) => void;
}

export interface FaultFigures {
  sent: number;
  accepted: number;
  delivered: number;
  lost: number;
  doubled: number;
  dead: number;
  crashes: string[];
  /** Broker-node faults after which a gateway node did not move to another broker of the cluster. */
  stalls: string[];
  faults: string[];
}

export const figuresLine = (f: FaultFigures) =>
  `faults: ${f.sent} sent, ${f.accepted} accepted, ${f.delivered} delivered, ${f.lost} lost, ${f.doubled} doubled, ${f.dead} dead-lettered`;

const exchange = 'kbfault';
const prefix = 'kbf';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFaults(options: FaultOptions): Promise<FaultFigures> {
  const { say } = options;
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-faults-'));
  say(`Starting a private ${options.cluster ? 'three-node RabbitMQ cluster' : 'RabbitMQ node'} and PostgreSQL cluster (work folder ${dir})`);
  const [brokers, postgres] = await Promise.all([PrivateRabbitCluster.start(options.cluster ? 3 : 1), PrivatePostgres.start({ maxConnections: 100 })]);
  // Users, permissions and queues are cluster-wide: any node can make them.
  const rabbit = brokers.nodes[0]!;
  const nodes = new Map<string, NodeProcess>();
  const tokens = { admin: 'fault-admin-token-0123456789', outreach: 'fault-outreach-token-0123456789' };
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      for (const node of nodes.values()) await node.stop().catch(() => undefined);
      await brokers.stop();
      await postgres.stop();
      // KB_FAULTS_KEEP=1 keeps the node logs for a look afterwards.
      if (process.env.KB_FAULTS_KEEP) say(`Node logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    })());
  // Ctrl+C stops what this run started (its nodes, broker node and cluster), and nothing else.
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await prepareFederationKeys(dir, ['101', '165'], () => undefined);
    for (const [i, code] of ['101', '165'].entries()) {
      const databaseUrl = await postgres.createDatabase(`kb_${code}`);
      const user = await createBrokerUser(code, exchange, prefix, undefined, rabbit.cliArgs());
      // Each node starts its list at another broker, so that in a cluster the two sit on different nodes.
      const urls = [...brokers.urls.slice(i % brokers.urls.length), ...brokers.urls.slice(0, i % brokers.urls.length)];
      const node = new NodeProcess({
        code,
        port: await freePort(),
        dir: path.join(dir, code),
        env: {
          AMQP_URL: urls.map((url) => urlFor(url, user)).join(','),
          ...(options.cluster ? { KB_QUEUE_TYPE: 'quorum' } : {}),
          KB_EXCHANGE: exchange,
          KB_BROKER_USER_PREFIX: prefix,
          DATABASE_URL: databaseUrl,
          PGLITE_DIR: '',
          KB_KEY_DIR: path.join(dir, code, 'keys'),
          KB_TRUST_DIR: path.join(dir, 'trust'),
          KB_TOKENS: `${tokens.admin}=admin,${tokens.outreach}=outreach`,
        },
      });
      await node.start();
      nodes.set(code, node);
    }
    const sender = nodes.get('101')!;
    const receiver = nodes.get('165')!;
    const consent = await fetch(`${sender.url}/consents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.outreach}`, 'content-type': 'application/json' },
      body: JSON.stringify(consentRequest()),
    });
    const consentId = ((await consent.json()) as { id: string }).id;
    const body = (i: number) => {
      const notice = noticeRequest('165', { consentId });
      return { ...notice, payload: { ...notice.payload, observed: { ...notice.payload.observed, place: `Fault notice ${i}` } } };
    };

    const inboxDepth = async (code: string) => {
      const { connection } = await connectToAny(brokers.urls);
      try {
        return (await (await connection.createChannel()).checkQueue(brokerNames(exchange, code).inbox)).messageCount;
      } finally {
        await connection.close().catch(() => undefined);
      }
    };
    const faults: string[] = [];
    const stalls: string[] = [];
    const fault = async (name: string, act: () => Promise<void>) => {
      const t0 = Date.now();
      await act();
      const line = `${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
      faults.push(line);
      say(`  fault: ${line}`);
    };
    const brokerRestart = () => fault('broker restart (stop_app / start_app)', () => rabbit.restart(2000));
    const brokerKill = () => fault('broker kill -9', () => rabbit.kill9AndStart(1000));
    const nodeKill = (node: NodeProcess, name: string) =>
      fault(`${name} kill -9`, async () => {
        await node.kill9();
        await sleep(2000);
        await node.start();
      });
    const postgresRestart = (what: string) => fault(`PostgreSQL restart -m fast ${what}`, () => postgres.restart());
    // The receiver's database restarts while it works through a backlog (the case that lost messages).
    const backlogRestart = () =>
      fault('receiver kill -9, backlog, PostgreSQL restart while it drains', async () => {
        await receiver.kill9();
        const want = Math.min(400, Math.max(50, Math.floor(options.count * 0.04)));
        const until = Date.now() + 120_000;
        while ((await inboxDepth('165').catch(() => 0)) < want && Date.now() < until) await sleep(250);
        await receiver.start();
        await sleep(1500);
        faults.push(`  (receiver backlog ${await inboxDepth('165').catch(() => -1)} when PostgreSQL restarted)`);
        await postgres.restart();
      });

    // A cluster node goes down while traffic runs on the other two, then comes back and catches up.
    // Both gateway nodes must be back on another broker while it is down (AMQP_URL lists all three).
    const brokerNodeDown = async (how: 'stop' | 'kill -9', which: string, pick: () => Promise<PrivateRabbit | undefined>) => {
      const node = (await pick().catch(() => undefined)) ?? brokers.nodes[1]!;
      const via = brokers.nodes.find((n) => n !== node)!;
      const onOthers = async () => {
        const connections = await brokers.connections(via).catch(() => []);
        return ['101', '165'].every((code) => connections.some((c) => c.user === `${prefix}${code}` && c.node !== node.name));
      };
      await fault(`broker node ${node.name} (${which}) ${how}, started again`, async () => {
        await (how === 'stop' ? node.shutdown() : node.kill9());
        const down = Date.now();
        // Each look is a rabbitmqctl run (an Erlang VM start): once a second is plenty.
        while (!(await onOthers()) && Date.now() - down < 30_000) await sleep(1000);
        if (await onOthers()) {
          faults.push(`  (both gateway nodes on the other brokers ${((Date.now() - down) / 1000).toFixed(1)} s after it went down)`);
          say(faults.at(-1)!);
        } else {
          stalls.push(`a gateway node found no other broker within 30 s while ${node.name} was down`);
        }
        await sleep(3000);
        await node.launch();
      });
    };
    const leaderOfInbox = (code: string) => () => brokers.leaderOf(brokerNames(exchange, code).inbox, rabbit);
    const clusterPlan: [number, () => Promise<void>][] =
      options.plan === 'full'
        ? [
            [0.1, () => brokerNodeDown('stop', "leader of the receiver's inbox", leaderOfInbox('165'))],
            [0.2, () => nodeKill(receiver, 'receiver')],
            [0.3, () => brokerNodeDown('kill -9', "leader of the sender's inbox", leaderOfInbox('101'))],
            [0.42, () => nodeKill(sender, 'sender')],
            [0.5, () => postgresRestart('(under load)')],
            [0.6, backlogRestart],
            [0.75, () => brokerNodeDown('stop', "first of the sender's brokers", async () => brokers.nodes[0])],
          ]
        : [
            [0.25, () => brokerNodeDown('stop', "leader of the receiver's inbox", leaderOfInbox('165'))],
            [0.5, () => nodeKill(receiver, 'receiver')],
            [0.7, () => brokerNodeDown('kill -9', "new leader of the receiver's inbox", leaderOfInbox('165'))],
          ];

    const plan: [number, () => Promise<void>][] = options.cluster
      ? clusterPlan
      : options.plan === 'full'
        ? [
            [0.08, brokerRestart],
            [0.16, () => nodeKill(receiver, 'receiver')],
            [0.25, () => postgresRestart('(under load)')],
            [0.33, brokerKill],
            [0.42, () => nodeKill(sender, 'sender')],
            [0.5, () => nodeKill(receiver, 'receiver')],
            [0.6, backlogRestart],
            [0.75, brokerRestart],
          ]
        : [
            [0.2, brokerKill],
            [0.4, () => nodeKill(sender, 'sender')],
            [0.55, backlogRestart],
          ];

    say(`Sending ${options.count} notices 101 → 165 from ${options.concurrency} clients (${options.plan}${options.cluster ? ' cluster' : ''} fault plan)`);
    const progress = { done: 0 };
    const sending = sendNotices({ url: () => sender.url, token: tokens.outreach, count: options.count, concurrency: options.concurrency, body, progress, keyPrefix: `fault-${Date.now()}` });
    for (const [at, act] of plan) {
      while (progress.done < at * options.count && !sending.finished) await sleep(100);
      await act();
    }
    const sent: SendResult = await sending.result;
    say(`Sending done: ${sent.accepted.length} accepted, ${sent.refused} refused, ${sent.unknown} with unknown outcome; waiting for the outbox to drain`);

    const drainedBy = Date.now() + options.drainTimeoutMs;
    const pendingSql = 'SELECT count(*) AS n FROM "OutboxEntry" WHERE "publishedAt" IS NULL';
    for (;;) {
      const outbox = Number((await postgres.query(pendingSql, 'kb_101')).rows[0].n) + Number((await postgres.query(pendingSql, 'kb_165')).rows[0].n);
      const open = Number((await postgres.query(`SELECT count(*) AS n FROM "Message" WHERE direction = 'out' AND status IN ('queued', 'sent')`, 'kb_101')).rows[0].n);
      const depth = (await inboxDepth('165')) + (await inboxDepth('101'));
      if (outbox === 0 && open === 0 && depth === 0) break;
      if (Date.now() > drainedBy) {
        say(`Not drained after ${options.drainTimeoutMs / 1000} s: ${outbox} in outboxes, ${open} sent but not delivered, ${depth} in inboxes`);
        break;
      }
      await sleep(1000);
    }

    const received = (await postgres.query(`SELECT id, payload->'observed'->>'place' AS place FROM "Message" WHERE direction = 'in' AND type = 'street-sleeper.notice'`, 'kb_165')).rows as { id: string; place: string }[];
    const ids = new Set(received.map((r) => r.id));
    const perNotice = new Map<string, number>();
    for (const r of received) perNotice.set(r.place, (perNotice.get(r.place) ?? 0) + 1);
    const { connection: deadConnection } = await connectToAny(brokers.urls);
    const deadChannel = await deadConnection.createChannel();
    let dead = 0;
    for (const code of ['101', '165']) dead += (await deadChannel.checkQueue(brokerNames(exchange, code).dead)).messageCount;
    await deadConnection.close();
    return {
      sent: options.count,
      accepted: sent.accepted.length,
      delivered: perNotice.size,
      lost: sent.accepted.filter((id) => !ids.has(id)).length,
      doubled: [...perNotice.values()].reduce((sum, n) => sum + n - 1, 0),
      dead,
      crashes: [...nodes.values()].flatMap((n) => n.crashes),
      stalls,
      faults,
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup();
  }
}
