import type { Logger } from 'pino';
import type { Broker } from './broker.ts';

export interface GateOptions {
  /** How often the health probe runs while the database is down. */
  probeEveryMs: number;
  /** After this long down, `onGiveUp` is called (main.ts exits so a supervisor restarts the node). */
  giveUpAfterMs: number;
}

export const defaultGateOptions: GateOptions = { probeEveryMs: 1000, giveUpAfterMs: 15 * 60_000 };

/**
 * Tells an outage from a failure: after a delivery failed, the database is probed. When it does
 * not answer, the inbox consumer is cancelled (no retry budget is spent, nothing is dead-lettered)
 * and every waiting delivery resumes once the probe succeeds again; then consuming resumes.
 */
export class DatabaseGate {
  private down?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly broker: () => Broker,
    private readonly log: Logger,
    private readonly onGiveUp: (downForMs: number) => void = () => undefined,
    private readonly options: GateOptions = defaultGateOptions,
  ) {}

  get isDown(): boolean {
    return this.down !== undefined;
  }

  /** True when the failure was an outage; it then resolves once the database answers again (or the gate stops). */
  async outage(): Promise<boolean> {
    if (this.stopped) return false;
    if (!this.down) {
      if (await this.probe()) return false;
      this.down ??= this.waitForRecovery().finally(() => (this.down = undefined));
    }
    await this.down;
    return true;
  }

  private async waitForRecovery(): Promise<void> {
    const since = Date.now();
    this.log.warn('database unreachable: inbound consumer paused until it answers');
    await this.broker().pauseConsuming();
    let gaveUp = false;
    while (!this.stopped && !(await this.probe())) {
      if (!gaveUp && Date.now() - since > this.options.giveUpAfterMs) {
        gaveUp = true;
        this.onGiveUp(Date.now() - since);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.probeEveryMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.stopped) return;
    this.log.info({ downForMs: Date.now() - since }, 'database answers again: inbound consumer resumed');
    await this.broker().resumeConsuming();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
