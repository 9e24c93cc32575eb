// Conformance kit: `npm run conformance -- <options>` plays a reference partner against a node
// under test and prints pass/fail per rule of docs/PROTOCOL.md. See docs/CONFORMANCE.md.
import { parseArgs } from 'node:util';
import type { KitOptions } from './partner.ts';
import { formatReport, runConformance } from './run.ts';
import { rules } from './rules.ts';
import { municipalityCodes } from './schemas.ts';

const usage = `Kommunebro conformance kit: a reference partner against a node under test
  npm run conformance -- --node URL --node-code CODE --token ADMIN_TOKEN --partner CODE \\
                         --amqp-url AMQP_URL [--exchange NAME] [--caseworker-token TOKEN]
                         [--timeout-ms N] [--quiet-ms N] [--only RULE,...]

  --node              the node's HTTP base URL (its admin key API and /.well-known/jwks.json)
  --node-code         the node's municipality code
  --token             an admin token of the node: imports and approves the kit's key, revokes it at the end
  --partner           the municipality the kit plays (needs an agreement with the node; no running node
                      of that code may share the exchange, or it takes the kit's signals)
  --amqp-url          the broker, as the partner's own broker user
  --exchange          the federation's topic exchange (default kommunebro)
  --caseworker-token  optional: lets the node send the kit a message (outbound rules; skipped without)
  --timeout-ms        how long to wait for a receipt or error signal (default 15000)
  --quiet-ms          how long no signal must come where none is due (default 3000)
  --only              run only these rule ids
Exit code 0 when no rule failed, 1 when one did, 2 on wrong options.`;

export class UsageError extends Error {}

const options = {
  node: { type: 'string' },
  'node-code': { type: 'string' },
  token: { type: 'string' },
  partner: { type: 'string' },
  'amqp-url': { type: 'string' },
  exchange: { type: 'string', default: 'kommunebro' },
  'caseworker-token': { type: 'string' },
  'timeout-ms': { type: 'string', default: '15000' },
  'quiet-ms': { type: 'string', default: '3000' },
  only: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The kit's options from the command line, or a UsageError naming what is wrong. */
export function parseKitArgs(argv: string[]): { kit: KitOptions; only?: string[] } | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  for (const name of ['node', 'node-code', 'token', 'partner', 'amqp-url'] as const) {
    if (!values[name]) throw new UsageError(`--${name} is required`);
  }
  if (!/^https?:\/\//.test(values.node!)) throw new UsageError(`--node must be an http(s) URL, got "${values.node}"`);
  if (!/^amqps?:\/\//.test(values['amqp-url']!)) throw new UsageError('--amqp-url must be an amqp:// or amqps:// URL');
  for (const name of ['node-code', 'partner'] as const) {
    if (!municipalityCodes.has(values[name]!)) throw new UsageError(`--${name} must be a municipality code of contracts/municipalities.json, got "${values[name]}"`);
  }
  if (values.partner === values['node-code']) throw new UsageError('--partner must differ from --node-code');
  const ms = (name: 'timeout-ms' | 'quiet-ms') => {
    const value = values[name];
    if (!/^\d{1,6}$/.test(value) || Number(value) < 100) throw new UsageError(`--${name} must be a whole number of milliseconds (100 or more), got "${value}"`);
    return Number(value);
  };
  return {
    kit: {
      nodeUrl: values.node!,
      nodeCode: values['node-code']!,
      adminToken: values.token!,
      caseworkerToken: values['caseworker-token'],
      partnerCode: values.partner!,
      amqpUrl: values['amqp-url']!,
      exchange: values.exchange,
      timeoutMs: ms('timeout-ms'),
      quietMs: ms('quiet-ms'),
    },
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseKitArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${usage}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(usage);
    return 0;
  }
  const chosen = parsed.only ? rules.filter((r) => parsed.only!.includes(r.id)) : rules;
  if (parsed.only && chosen.length !== parsed.only.length) {
    console.error(`unknown rule id in --only; the rules are: ${rules.map((r) => r.id).join(', ')}`);
    return 2;
  }
  const report = await runConformance(parsed.kit, chosen);
  console.log(formatReport(report));
  return report.passed ? 0 : 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`conformance kit could not run: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
