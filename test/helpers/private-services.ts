// A private RabbitMQ node and PostgreSQL cluster for fault tests, beside the machine's shared ones
// (which must never be stopped). Facts behind this: /work/briefs/private-services.md.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function uidOf(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no system user ${user}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(dir: string, user: string): void {
  const { uid, gid } = uidOf(user);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  chownSync(dir, uid, gid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One RabbitMQ node with its own name, ports and folders; controlled only by `rabbitmqctl -n`. */
export class PrivateRabbit {
  readonly name: string;
  private beamPid?: number;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly distPort: number,
    name?: string,
    /** A cookie of its own (cluster members share one), so it cannot talk to the machine's shared node. */
    private readonly cookie?: string,
  ) {
    this.name = name ?? `kbfault${randomBytes(3).toString('hex')}@localhost`;
  }

  /** guest may connect over loopback, which is all these tests use. */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** `plugins`: e.g. rabbitmq_shovel; none by default. */
  static async start(options: { name?: string; cookie?: string; plugins?: string[] } = {}): Promise<PrivateRabbit> {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-rabbit-'));
    const node = new PrivateRabbit(dir, await freePort(), await freePort(), options.name, options.cookie);
    mkdirSync(path.join(dir, 'mnesia'));
    mkdirSync(path.join(dir, 'log'));
    writeFileSync(path.join(dir, 'enabled_plugins'), `[${(options.plugins ?? []).join(',')}].\n`);
    writeFileSync(path.join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${node.port}\nloopback_users.guest = true\n`);
    // Its own (empty) env file, so the shared node's NODENAME in /etc/rabbitmq/rabbitmq-env.conf is not read.
    writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
    writeFileSync(path.join(dir, 'advanced.config'), '[].\n');
    chownTree(dir, 'rabbitmq');
    await node.launch();
    return node;
  }

  private env(): NodeJS.ProcessEnv {
    const d = this.dir;
    return {
      ...process.env,
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: path.join(d, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(d, 'log'),
      RABBITMQ_PID_FILE: path.join(d, 'rabbit.pid'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(d, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: path.join(d, 'rabbitmq.conf'),
      RABBITMQ_CONF_ENV_FILE: path.join(d, 'rabbitmq-env.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(d, 'advanced.config'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ...(this.cookie ? { RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-setcookie ${this.cookie}` } : {}),
    };
  }

  /** The global options of every CLI tool call against this node. */
  cliArgs(): string[] {
    return [...(this.cookie ? ['--erlang-cookie', this.cookie] : []), '-n', this.name];
  }

  /** rabbitmqctl against this node only. */
  async ctl(...args: string[]): Promise<string> {
    return this.cli('rabbitmqctl', ...args);
  }

  /** rabbitmqctl, rabbitmq-queues, … against this node only. */
  async cli(tool: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(tool, [...this.cliArgs(), ...args], { env: this.env(), timeout: 120_000 });
    return stdout;
  }

  async launch(): Promise<void> {
    await run('rabbitmq-server', ['-detached'], { env: this.env(), timeout: 60_000 });
    await waitUntil(`RabbitMQ node ${this.name}`, () => this.ctl('await_startup', '--timeout', '5').then(() => true, () => false), 120_000);
    this.beamPid = Number((await this.ctl('eval', 'list_to_integer(os:getpid()).')).trim());
    if (!Number.isInteger(this.beamPid) || this.beamPid <= 1) throw new Error(`no beam PID for ${this.name}`);
  }

  /** A clean broker restart: the application stops (clients lose their connections) and starts again. */
  async stopApp(): Promise<void> {
    await this.ctl('stop_app');
  }

  async startApp(): Promise<void> {
    await this.ctl('start_app');
    await this.ctl('await_startup');
  }

  async restart(pauseMs = 0): Promise<void> {
    await this.stopApp();
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    await this.startApp();
  }

  /** kill -9 of this node's own beam process (and nothing else), then a fresh start on the same data. */
  async kill9AndStart(pauseMs = 0): Promise<void> {
    await this.kill9();
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    await this.launch();
  }

  /** Stops the whole node (the Erlang VM too), keeping its data for a later launch(). */
  async shutdown(): Promise<void> {
    const pid = this.beamPid;
    await this.ctl('stop');
    if (pid) await waitUntil(`beam ${pid} to exit`, () => !isAlive(pid), 60_000);
    this.beamPid = undefined;
  }

  /** kill -9 of this node's own beam process (and nothing else); launch() starts it again. */
  async kill9(): Promise<void> {
    const pid = this.beamPid;
    if (!pid) throw new Error('node not running');
    process.kill(pid, 'SIGKILL');
    await waitUntil(`beam ${pid} to die`, () => !isAlive(pid), 30_000);
    this.beamPid = undefined;
  }

  /** Closes every client connection of one broker user, as a network cut would. */
  async closeConnectionsOf(user: string): Promise<number> {
    const lines = (await this.ctl('list_connections', 'pid', 'user', '--no-table-headers', '--silent')).trim().split('\n');
    const pids = lines.map((l) => l.split('\t')).filter(([, u]) => u === user).map(([pid]) => pid!);
    for (const pid of pids) await this.ctl('close_connection', pid, 'fault test');
    return pids.length;
  }

  /** Stops the node and removes its folders. */
  async stop(): Promise<void> {
    await this.ctl('stop').catch(() => undefined);
    if (this.beamPid && isAlive(this.beamPid)) process.kill(this.beamPid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Three (or n) private RabbitMQ nodes joined into one cluster, with a cookie of their own: the
 * shared node (rabbit@<host>) cannot join it, nor it the shared node.
 */
export class PrivateRabbitCluster {
  private constructor(readonly nodes: PrivateRabbit[]) {}

  static async start(size = 3): Promise<PrivateRabbitCluster> {
    const cookie = randomBytes(16).toString('hex').toUpperCase();
    const tag = randomBytes(3).toString('hex');
    const nodes: PrivateRabbit[] = [];
    try {
      // One at a time: a 2-core machine starts three Erlang VMs at once badly.
      for (let i = 1; i <= size; i++) nodes.push(await PrivateRabbit.start({ name: `kbc${tag}n${i}@localhost`, cookie }));
      const [first, ...others] = nodes;
      for (const node of others) {
        await node.ctl('stop_app');
        await node.ctl('join_cluster', first!.name);
        await node.startApp();
      }
      return new PrivateRabbitCluster(nodes);
    } catch (error) {
      for (const node of nodes) await node.stop();
      throw error;
    }
  }

  /** Every node's URL, for a client that fails over (AMQP_URL takes them comma-separated). */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Names of the nodes the cluster counts as running (`rabbitmqctl cluster_status`), asked of `via`. */
  async runningNodes(via: PrivateRabbit): Promise<string[]> {
    const status = JSON.parse(await via.ctl('cluster_status', '--formatter', 'json')) as { running_nodes: string[] };
    return status.running_nodes;
  }

  /** The node that leads a quorum queue now (`rabbitmqctl list_queues name leader`), asked of `via`. */
  async leaderOf(queue: string, via: PrivateRabbit): Promise<PrivateRabbit | undefined> {
    const rows = JSON.parse(await via.ctl('list_queues', 'name', 'leader', '--formatter', 'json')) as { name: string; leader: string }[];
    const leader = rows.find((r) => r.name === queue)?.leader;
    return this.nodes.find((n) => n.name === leader);
  }

  /** Client connections of the whole cluster as `via` sees them: which broker user is on which node. */
  async connections(via: PrivateRabbit): Promise<{ node: string; user: string }[]> {
    // The text output names a connection's node in its pid (<node.…>); the JSON one does not.
    const lines = (await via.ctl('list_connections', 'pid', 'user', '--no-table-headers', '--quiet')).trim().split('\n').filter(Boolean);
    return lines.map((line) => {
      const [pid, user] = line.split('\t');
      return { node: /^<([^.]+)\./.exec(pid ?? '')?.[1] ?? '', user: user ?? '' };
    });
  }

  async stop(): Promise<void> {
    for (const node of [...this.nodes].reverse()) await node.stop();
  }
}

const pgBin = (tool: string) => {
  for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/local/bin']) {
    try {
      readFileSync(path.join(dir, tool));
      return path.join(dir, tool);
    } catch {
      // try the next
    }
  }
  return tool;
};

/** A PostgreSQL cluster in a temporary folder with its own port, run as `postgres`, trust auth on loopback. */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(options: { maxConnections?: number } = {}): Promise<PrivatePostgres> {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-pg-'));
    chownTree(dir, 'postgres');
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.asPostgres(pgBin('initdb'), '-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync');
    const settings = [
      `port = ${cluster.port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      `max_connections = ${options.maxConnections ?? 100}`,
      'fsync = off',
    ];
    writeFileSync(path.join(cluster.dataDir, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
    chownTree(cluster.dataDir, 'postgres');
    await cluster.pgCtl('start', '-w', '-t', '60', '-l', path.join(dir, 'server.log'));
    return cluster;
  }

  private async asPostgres(...command: string[]): Promise<string> {
    const { stdout } = await run('runuser', ['-u', 'postgres', '--', ...command], { timeout: 120_000, cwd: this.dir });
    return stdout;
  }

  private pgCtl(...args: string[]): Promise<string> {
    return this.asPostgres(pgBin('pg_ctl'), '-D', this.dataDir, ...args);
  }

  private templateReady?: Promise<void>;

  async query(sql: string, database = 'postgres'): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.url(database) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A database migrated with the real Prisma CLI (a copy of a template migrated once); returns its URL. */
  async createDatabase(name: string): Promise<string> {
    this.templateReady ??= (async () => {
      await this.query('CREATE DATABASE kb_template');
      await run('npx', ['prisma', 'migrate', 'deploy'], { env: { ...process.env, PGLITE_DIR: '', DATABASE_URL: this.url('kb_template') }, timeout: 180_000 });
    })();
    await this.templateReady;
    await this.query(`CREATE DATABASE ${name} TEMPLATE kb_template`);
    return this.url(name);
  }

  /** The server's postmaster PID (from its pid file). */
  pid(): number {
    return Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** `pg_ctl restart -m fast`: every client connection is terminated by the administrator. */
  async restart(): Promise<void> {
    await this.pgCtl('restart', '-m', 'fast', '-w', '-t', '60', '-l', path.join(this.dir, 'server.log'));
  }

  /** Stops the server for `ms`, then starts it again: an outage that refuses new connections. */
  async outage(ms: number): Promise<void> {
    await this.pgCtl('stop', '-m', 'fast', '-w', '-t', '60');
    await new Promise((r) => setTimeout(r, ms));
    await this.pgCtl('start', '-w', '-t', '60', '-l', path.join(this.dir, 'server.log'));
  }

  async stop(): Promise<void> {
    await this.pgCtl('stop', '-m', 'immediate', '-w', '-t', '30').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
