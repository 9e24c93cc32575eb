// Gateway nodes as real processes (services/gateway/src/main.ts), so a fault run can kill -9 them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface NodeProcessConfig {
  code: string;
  port: number;
  dir: string;
  env: Record<string, string>;
}

export class NodeProcess {
  private child?: ChildProcess;
  /** Exits nobody asked for (a crash): a fault run must have none. */
  readonly crashes: string[] = [];
  private expectingExit = false;

  constructor(readonly config: NodeProcessConfig) {}

  get url(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const { code, port, dir, env } = this.config;
    mkdirSync(dir, { recursive: true });
    const log = createWriteStream(path.join(dir, 'node.log'), { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/gateway/src/main.ts')], {
      cwd: root,
      env: { ...process.env, ...env, KB_MUNICIPALITY: code, PORT: String(port), LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.expectingExit = false;
    child.once('exit', (exitCode, signal) => {
      if (!this.expectingExit) this.crashes.push(`node ${code} exited (code ${exitCode}, signal ${signal}); see ${path.join(dir, 'node.log')}`);
    });
    this.child = child;
    await this.waitHealthy(child);
  }

  private async waitHealthy(child: ChildProcess, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`node ${this.config.code} exited at start; see ${path.join(this.config.dir, 'node.log')}`);
      try {
        if ((await fetch(`${this.url}/health`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`node ${this.config.code} not healthy within ${timeoutMs / 1000} s`);
  }

  private exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** kill -9 of this node's own process only. */
  async kill9(): Promise<void> {
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
    await this.exited();
  }

  async stop(): Promise<void> {
    this.expectingExit = true;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 15_000);
    await this.exited();
    clearTimeout(timer);
  }
}
