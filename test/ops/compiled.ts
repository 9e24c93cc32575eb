// Runs what production runs: `npm run build`, then `node dist/...` with no TypeScript loader.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { eventually } from '../helpers/nodes.ts';
import { nodeEnv, nodeFlags } from '../../services/gateway/src/runtime-flags.ts';

let built = false;

/** Compiles services/ to dist/ once per test file (about 3 s). */
export function buildOnce(): void {
  if (built) return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'pipe' });
  built = true;
}

export interface CompiledNode {
  url: string;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts `node dist/gateway/src/main.js` as in production (runtime-flags.ts) with `env` on a free port and waits for /health to answer 200. */
export async function startCompiledNode(env: Record<string, string>, port: number): Promise<CompiledNode> {
  const child = spawn(process.execPath, [...nodeFlags, 'dist/gateway/src/main.js'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'info', ...nodeEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually('the compiled node to answer /health with 200', async () => {
      if (child.exitCode !== null) throw new Error(`the compiled node exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200;
    }, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the compiled admin CLI (`npm run kb` in production form) and returns its exit code and output. */
export function compiledCli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['dist/gateway/src/cli/main.js', ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A port the OS says is free now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
