import { describe, expect, it } from 'vitest';
import { figuresLine, runFaults } from './run.ts';

// The CI variant of `npm run faults` (issue 12): its own RabbitMQ node and PostgreSQL cluster, one
// fault of each kind (broker kill -9, sender kill -9, receiver kill -9 with a backlog and a
// PostgreSQL restart while it drains). Several minutes on a 2-core machine.
describe('when the broker, both nodes and PostgreSQL fail during a run of notices', () => {
  it('then nothing accepted is lost, doubled or dead-lettered, and no node crashes', async () => {
    const lines: string[] = [];
    const figures = await runFaults({ count: Number(process.env.KB_FAULTS_COUNT ?? 300), concurrency: 8, plan: 'short', drainTimeoutMs: 240_000, say: (l) => lines.push(l) });
    console.log([...lines, figuresLine(figures)].join('\n'));
    expect(figures.faults.filter((f) => !f.startsWith(' '))).toHaveLength(3);
    expect(figures.accepted).toBeGreaterThan(figures.sent / 2);
    expect(figures.crashes).toEqual([]);
    expect({ lost: figures.lost, doubled: figures.doubled, dead: figures.dead }).toEqual({ lost: 0, doubled: 0, dead: 0 });
    expect(figures.delivered).toBeGreaterThanOrEqual(figures.accepted);
  }, 1_200_000);
});
