import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DatabaseGate } from '../../services/gateway/src/amqp/database-gate.ts';
import type { Broker } from '../../services/gateway/src/amqp/broker.ts';

/** A stand-in for the broker's consumer switch: records pause and resume. */
function fakeBroker(calls: string[]) {
  return { pauseConsuming: async () => void calls.push('pause'), resumeConsuming: async () => void calls.push('resume') } as unknown as Broker;
}

describe('when a delivery failed', () => {
  it('then a database that answers is no outage and the consumer keeps going', async () => {
    const calls: string[] = [];
    const gate = new DatabaseGate(async () => true, () => fakeBroker(calls), pino({ level: 'silent' }));
    expect(await gate.outage()).toBe(false);
    expect(calls).toEqual([]);
  });

  it('then an unreachable database pauses the consumer once, and every waiting delivery resumes when the probe succeeds', async () => {
    const calls: string[] = [];
    let up = false;
    const gate = new DatabaseGate(async () => up, () => fakeBroker(calls), pino({ level: 'silent' }), undefined, { probeEveryMs: 10, giveUpAfterMs: 60_000 });
    const waiting = [gate.outage(), gate.outage(), gate.outage()];
    await new Promise((r) => setTimeout(r, 50));
    expect([calls, gate.isDown]).toEqual([['pause'], true]);
    up = true;
    expect(await Promise.all(waiting)).toEqual([true, true, true]);
    expect([calls, gate.isDown]).toEqual([['pause', 'resume'], false]);
  });

  it('then a database away longer than the limit is reported once, so the node can exit for its supervisor', async () => {
    const gaveUp: number[] = [];
    const gate = new DatabaseGate(async () => false, () => fakeBroker([]), pino({ level: 'silent' }), (ms) => gaveUp.push(ms), { probeEveryMs: 10, giveUpAfterMs: 40 });
    const waiting = gate.outage();
    await new Promise((r) => setTimeout(r, 150));
    gate.stop();
    expect(await waiting).toBe(true);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toBeGreaterThan(40);
  });
});
