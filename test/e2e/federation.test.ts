import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteBrokerObjects, eventually } from '../helpers/nodes.ts';
import { deleteBrokerUser } from '../../services/gateway/src/amqp/broker-users.ts';

/** Runs `npm start` as a user would, in its own folder, ports and exchange. */
function startFederation(env: Record<string, string>) {
  const child = spawn('npm', ['start', '--silent'], { env: { ...process.env, ...env }, detached: true }) as ChildProcessWithoutNullStreams;
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('npm start: the local federation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-fed-'));
  const exchange = `kbtest-fed-${randomBytes(3).toString('hex')}`;
  const brokerPrefix = `kbf${randomBytes(3).toString('hex')}-`;
  afterAll(async () => {
    await deleteBrokerObjects(exchange, ['101', '165', '161', '159', '657']);
    for (const code of ['101', '165', '161', '159', '657']) await deleteBrokerUser(`${brokerPrefix}${code}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when started, then five node processes exchange signed messages, the demo plays every seed story, and Ctrl+C stops them all', async () => {
    const portBase = 20000 + Math.floor(Math.random() * 20) * 1000;
    const fed = startFederation({ KB_FEDERATION_DIR: dir, KB_FEDERATION_PORT_BASE: String(portBase), KB_EXCHANGE: exchange, KB_BROKER_USER_PREFIX: brokerPrefix });
    try {
      await eventually('federation ready', async () => {
        if (fed.child.exitCode !== null) throw new Error(`npm start exited early:\n${fed.output()}`);
        return fed.output().includes('Federation ready');
      }, 120_000);
      const out = fed.output();
      expect(out).toContain('stands in for an admin');
      expect(out).toContain(`Broker users ${brokerPrefix}101`);
      expect(out).toContain(`http://127.0.0.1:${portBase + 101}`);
      expect(out).toContain(`console    http://127.0.0.1:${portBase + 165}/`);
      expect(out).toMatch(/key {8}101-\S+ {2}([0-9A-F]{4} ){9}[0-9A-F]{4}\n/);
      expect(out).toContain('curl -s -X POST');
      const tokens = JSON.parse(readFileSync(path.join(dir, 'tokens.json'), 'utf8'));
      const sent = await fetch(`http://127.0.0.1:${portBase + 101}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens['101'].outreach}`, 'content-type': 'application/json' },
        // Exactly the body of the curl example it printed.
        body: /-d '(\{.*\})'/.exec(out)![1],
      });
      expect(sent.status).toBe(202);
      const { id } = (await sent.json()) as { id: string };
      await eventually('delivered between processes', async () => {
        const res = await fetch(`http://127.0.0.1:${portBase + 101}/messages/${id}`, { headers: { authorization: `Bearer ${tokens['101'].caseworker}` } });
        return ((await res.json()) as { status: string }).status === 'delivered';
      });
      const inbound = await fetch(`http://127.0.0.1:${portBase + 165}/messages?direction=in`, { headers: { authorization: `Bearer ${tokens['165'].caseworker}` } });
      expect(((await inbound.json()) as { messages: { id: string }[] }).messages.map((m) => m.id)).toEqual([id]);

      // The demo runs its own in-process nodes with a clock it moves (services/federation/src/demo.ts).
      const demo = spawnSync('npm', ['run', 'demo', '--silent'], { env: process.env, encoding: 'utf8', timeout: 300_000 });
      expect(demo.stderr).toBe('');
      expect(demo.status).toBe(0);
      expect(demo.stdout).toContain('Demo slut (Demo complete).');
      expect(demo.stdout).toMatch(/Sådan ser København sagen: tilstand «besvaret»/);
      expect(demo.stdout).toMatch(/Sådan ser Albertslund sagen: tilstand «udskrevet»; forsorgshjem: Glostrup \(161\), handlekommune: Albertslund \(165\)/);
      expect(demo.stdout).toMatch(/tilstand «accepteret»; forsorgshjem: København \(101\), handlekommune: Herning \(657\)/);
      expect(demo.stdout).toContain('statsrefusion: 90 af 182 døgn');

      // The demo's citizen has a CPR number; it must not appear in any log line of the full run.
      expect(demo.stdout).not.toContain('0101801234');
      for (const code of ['101', '165', '161', '159', '657']) {
        const log = readFileSync(path.join(dir, code, 'node.log'), 'utf8');
        expect(log).toContain('gateway listening');
        expect(log).not.toContain('0101801234');
      }
      expect(fed.output()).not.toContain('0101801234');
    } finally {
      if (fed.child.exitCode === null) process.kill(-fed.child.pid!, 'SIGINT');
    }
    // PGlite must be closed explicitly or a node never exits.
    const ended = await Promise.race([fed.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('hung'), 20_000))]);
    expect(ended).toBe('exited');
    for (const code of [101, 165, 161, 159, 657]) {
      await expect(fetch(`http://127.0.0.1:${portBase + code}/health`)).rejects.toThrow();
    }
  }, 480_000);

  it('when RabbitMQ cannot be reached, then it says so and how to start it, without a stack trace', async () => {
    const fed = startFederation({ KB_FEDERATION_DIR: dir, AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    expect(await fed.exited).toBe(1);
    expect(fed.output()).toContain('RabbitMQ does not answer at amqp://127.0.0.1:1');
    expect(fed.output()).toContain('rabbitmq-server -detached');
    expect(fed.output()).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  }, 30_000);
});
