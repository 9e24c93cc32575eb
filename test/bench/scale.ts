// npm run scale [-- --nodes N --pairs M --keep-logs --parallel P]: see README "Scale run".
import { parseArgs } from 'node:util';
import { runScale, scaleLine } from './scale-run.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '98' },
    pairs: { type: 'string', default: '500' },
    'keep-logs': { type: 'boolean', default: false },
    parallel: { type: 'string', default: '4' },
  },
});
const nodes = Number(values.nodes);
const pairs = Number(values.pairs);
const parallel = Number(values.parallel);
if (![nodes, pairs, parallel].every((n) => Number.isInteger(n) && n >= 1) || nodes < 2 || nodes > 98) {
  console.error('usage: npm run scale -- [--nodes N (2..98)] [--pairs M] [--keep-logs] [--parallel P]');
  process.exit(2);
}

runScale({ nodes, pairs, parallel, keepLogs: values['keep-logs'], deliveryTimeoutMs: 600_000, say: (line) => console.log(line) })
  .then((figures) => {
    console.log(scaleLine(figures));
    process.exit(figures.healthy === figures.nodes && figures.delivered === figures.messages ? 0 : 1);
  })
  .catch((error) => {
    console.error(`Scale run failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
