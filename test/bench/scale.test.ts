import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOnce } from '../ops/compiled.ts';
import { eventually } from '../helpers/nodes.ts';
import { pairsFor, runScale, scaleLine } from './scale-run.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('scale run (npm run scale): when pairs are chosen', () => {
  it('then they are distinct, never a node to itself, and spread evenly over senders', () => {
    const codes = ['101', '147', '151', '153', '155'];
    const pairs = pairsFor(codes, 10);
    expect(new Set(pairs.map((p) => p.join('→'))).size).toBe(10);
    expect(pairs.every(([from, to]) => from !== to)).toBe(true);
    for (const code of codes) expect(pairs.filter(([from]) => from === code)).toHaveLength(2);
  });

  it('then more pairs than the nodes make are refused', () => {
    expect(() => pairsFor(['101', '147', '151'], 7)).toThrow('3 nodes make only 6 distinct pairs, not 7');
  });
});

describe('scale run (npm run scale): when 5 compiled nodes exchange 10 notices on private services', () => {
  it('then all are healthy, every notice is delivered, and nothing it started outlives it', async () => {
    buildOnce();
    const lines: string[] = [];
    const figures = await runScale({ nodes: 5, pairs: 10, parallel: 4, keepLogs: false, deliveryTimeoutMs: 60_000, say: (line) => lines.push(line) });
    const line = scaleLine(figures);
    const [, healthy, seconds, delivered, messages, rss] = /^scale: (\d+) nodes healthy in ([\d.]+) s, (\d+)\/(\d+) messages delivered, rss total (\d+) MiB$/.exec(line) ?? [];
    expect(Number(healthy)).toBe(5);
    expect(Number(delivered)).toBe(10);
    expect(Number(messages)).toBe(10);
    expect(Number(seconds)).toBeGreaterThan(0);
    // Five idle Node.js processes: each holds at least ~50 MiB and, with ≤ 150 MiB as the goal, well under 500.
    expect(Number(rss)).toBeGreaterThan(5 * 50);
    expect(Number(rss)).toBeLessThan(5 * 500);
    expect(figures.startCpuSeconds).toHaveLength(5);
    expect(Math.max(...figures.startCpuSeconds)).toBeLessThan(30);
    expect(lines.some((l) => /^cpu per node start \(utime\+stime until \/health 200\): mean [\d.]+ s, max [\d.]+ s$/.test(l))).toBe(true);
    // 5 nodes, the broker node's beam and the cluster's postmaster; the work, log and service folders.
    expect(figures.started.pids).toHaveLength(7);
    // The broker node and the postmaster may take a moment to leave the process table after their stop.
    await eventually('every process of the run to exit', async () => figures.started.pids.every((pid) => !alive(pid)), 15_000);
    expect(figures.started.dirs).toHaveLength(4);
    expect(figures.started.dirs.filter((dir) => existsSync(dir))).toEqual([]);
  }, 240_000);
});
