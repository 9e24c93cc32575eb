import { AsyncResource } from 'node:async_hooks';
import type { TransactionRunner, Tx } from './db.ts';
import { forgetChainHeads, sqlOf } from './sql.ts';

export interface GroupCommitOptions {
  /** At most this many units of work share one transaction. */
  maxBatch: number;
  /** How long the first unit of a batch waits for company before it commits alone. */
  maxWaitMs: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Unit {
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: units of work that arrive together (API sends, inbound deliveries, audit entries)
 * share one transaction, so they share its commit and take the logs' locks once. A unit that fails
 * (a refusal, a duplicate) is undone alone and its caller gets its own error; its neighbours
 * commit. Failures are rare, so a batch first runs without savepoints (each would cost a round trip
 * to the database); when a unit fails, the transaction is rolled back and the batch runs again with
 * a savepoint per unit, where that unit is rolled back alone. If the transaction itself fails (the
 * database went away), the batch is tried once more, then every caller of the batch gets that error
 * and retries as it would alone. Units run in the order they arrived, one batch at a time, so the
 * order within a conversation is kept. Each caller is answered when its batch has committed. A
 * unit's work may therefore run more than once, always in a transaction that was rolled back
 * before: it must do nothing outside the transaction it is given.
 */
export class GroupCommit {
  private queue: Unit[] = [];
  private timer?: NodeJS.Timeout;
  private committing = false;

  constructor(
    private readonly transaction: TransactionRunner,
    private readonly options: GroupCommitOptions = { maxBatch: 64, maxWaitMs: 2 },
    /** Tries of a batch whose transaction failed (a unit that fails alone is not tried again). */
    private readonly attempts = 2,
  ) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Each unit runs in its caller's async context (the request an audit entry names, monitoring/request-context.ts), not the batch's.
      this.queue.push({ work: AsyncResource.bind(work), resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or committing: a stopping node closes its database only then. */
  async drain(): Promise<void> {
    while (this.committing || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private schedule(): void {
    if (this.committing || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs === 0) return void this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.committing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.committing = true;
    void this.commit(batch).finally(() => {
      this.committing = false;
      // What arrived during the commit forms the next batch at once: it has waited long enough.
      if (this.queue.length > 0) this.flush();
    });
  }

  private async commit(batch: Unit[]): Promise<void> {
    if (batch.length === 1) {
      const [unit] = batch;
      await this.transaction(unit!.work).then(unit!.resolve, unit!.reject);
      return;
    }
    let outcomes: Outcome[] = [];
    let savepoints = false;
    for (let attempt = 1; ; ) {
      outcomes = [];
      try {
        await this.runBatch(batch, outcomes, savepoints);
        break;
      } catch (error) {
        // A unit failed in a batch without savepoints: nothing is stored; again, each in its own.
        if (error instanceof UnitFailed) {
          savepoints = true;
          continue;
        }
        // The transaction failed, not a unit: nothing of the batch is stored; try it again, then give up.
        if (++attempt <= this.attempts) continue;
        for (const unit of batch) unit.reject(error);
        return;
      }
    }
    batch.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }

  private async runBatch(batch: Unit[], outcomes: Outcome[], savepoints: boolean): Promise<void> {
    await this.transaction(async (tx) => {
      const sql = sqlOf(tx);
      for (const [i, unit] of batch.entries()) {
        if (!savepoints) {
          try {
            outcomes[i] = { ok: true, value: await unit.work(tx) };
          } catch {
            throw new UnitFailed();
          }
          continue;
        }
        // Never released: each name is unique, so a later ROLLBACK TO still undoes only its own
        // unit, and the batch saves a statement per unit.
        await sql.execute(`SAVEPOINT unit_${i}`);
        try {
          outcomes[i] = { ok: true, value: await unit.work(tx) };
        } catch (error) {
          // Rolling back to the savepoint fails only when the transaction is gone: then the batch fails.
          await sql.execute(`ROLLBACK TO SAVEPOINT unit_${i}`);
          // The unit may have appended to a log: the next one reads the head again.
          forgetChainHeads(tx);
          outcomes[i] = { ok: false, error };
        }
      }
    });
  }
}

/** A unit of a batch without savepoints failed: the whole transaction rolls back (the unit's own error comes with the rerun). */
class UnitFailed extends Error {
  constructor() {
    super('a unit of the batch failed');
  }
}
