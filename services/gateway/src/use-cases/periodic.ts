/**
 * Runs a node's background check every `intervalMs` (the timer does not keep the process alive),
 * never twice at once. `stop` waits for a run in progress: a stopping node must not close its
 * database under a check that is still writing (a transaction begun then never ends, and the
 * connection pool waits for it forever).
 */
export class Periodic {
  private readonly timer: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(work: () => Promise<unknown>, intervalMs: number, onError: (error: Error) => void) {
    this.timer = setInterval(() => {
      if (this.running || this.stopped) return;
      this.running = work()
        .then(() => undefined, (error: unknown) => onError(error as Error))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
