import { describe, expect, it } from 'vitest';
import { Periodic } from '../../services/gateway/src/use-cases/periodic.ts';

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a periodic background check', () => {
  it('when it is stopped during a run, then stop waits for that run to end, and no run starts after', async () => {
    let runs = 0;
    let finish!: () => void;
    const periodic = new Periodic(() => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    }, 1, () => undefined);
    await tick();
    expect(runs).toBe(1); // the slow run is not started again while it lasts
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await tick();
    expect(runs).toBe(1);
  });

  it('when a run fails, then the error is reported and the next run still comes', async () => {
    const errors: string[] = [];
    let runs = 0;
    const periodic = new Periodic(async () => {
      runs++;
      throw new Error(`run ${runs} failed`);
    }, 1, (error) => errors.push(error.message));
    await tick(50);
    await periodic.stop();
    expect(runs).toBeGreaterThan(1);
    expect(errors[0]).toBe('run 1 failed');
  });
});
