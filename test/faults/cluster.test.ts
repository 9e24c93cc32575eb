import { describe, expect, it } from 'vitest';
import { figuresLine, runFaults } from './run.ts';

// The CI variant of `npm run faults -- --cluster` (issue 12): a private three-node RabbitMQ cluster
// with quorum queues; the leader of the receiver's inbox is stopped, the receiver killed -9, then
// the inbox's new leader killed -9, each started again while notices flow. While a broker node is
// down, both gateway nodes must reconnect to another one (a node given only the stopped broker fails this).
describe('when broker nodes of a three-node cluster go down during a run of notices', () => {
  it('then nothing accepted is lost, doubled or dead-lettered, and no node crashes', async () => {
    const lines: string[] = [];
    const figures = await runFaults({ count: Number(process.env.KB_FAULTS_COUNT ?? 200), concurrency: 8, plan: 'short', cluster: true, drainTimeoutMs: 240_000, say: (l) => lines.push(l) });
    console.log([...lines, figuresLine(figures)].join('\n'));
    expect(figures.faults.filter((f) => f.startsWith('broker node'))).toHaveLength(2);
    expect(figures.faults.filter((f) => !f.startsWith(' '))).toHaveLength(3);
    expect(figures.stalls).toEqual([]);
    expect(figures.accepted).toBeGreaterThan(figures.sent / 2);
    expect(figures.crashes).toEqual([]);
    expect({ lost: figures.lost, doubled: figures.doubled, dead: figures.dead }).toEqual({ lost: 0, doubled: 0, dead: 0 });
    expect(figures.delivered).toBeGreaterThanOrEqual(figures.accepted);
  }, 1_200_000);
});
