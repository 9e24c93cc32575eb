/** A step either passes (returns nothing) or throws a Refusal; 'done' ends the pipeline early. */
export type Step<C, D> = (ctx: C, deps: D) => Promise<void | 'done'> | void | 'done';

export async function runSteps<C, D>(steps: readonly Step<C, D>[], ctx: C, deps: D): Promise<void> {
  for (const step of steps) {
    if ((await step(ctx, deps)) === 'done') return;
  }
}
