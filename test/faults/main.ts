// npm run faults [-- --count 10000 --concurrency 16 --short --cluster]: see README "Fault run".
import { parseArgs } from 'node:util';
import { figuresLine, runFaults } from './run.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    short: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    'drain-timeout': { type: 'string', default: '900' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(count) || count < 10 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('usage: npm run faults -- [--count N ≥ 10] [--concurrency C] [--short] [--cluster] [--drain-timeout seconds]');
  process.exit(2);
}

const started = Date.now();
runFaults({ count, concurrency, plan: values.short ? 'short' : 'full', cluster: values.cluster, drainTimeoutMs: Number(values['drain-timeout']) * 1000, say: (line) => console.log(line) })
  .then((figures) => {
    for (const crash of figures.crashes) console.log(`crash: ${crash}`);
    for (const stall of figures.stalls) console.log(`stall: ${stall}`);
    console.log(`Faults: ${figures.faults.length}; run took ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(figuresLine(figures));
    process.exit(figures.lost + figures.doubled + figures.dead + figures.crashes.length + figures.stalls.length === 0 ? 0 : 1);
  })
  .catch((error) => {
    console.error(`Fault run failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
