// Admin CLI: `npm run kb -- <command>` against a node's API. See `npm run kb -- help`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { phoneFingerprint } from '../crypto/keys.ts';
import { thumbprint } from '../crypto/jws.ts';
import { formatReport, verifyEvidenceText } from './evidence.ts';

const usage = `Kommunebro admin CLI
  npm run kb -- [--node URL] [--token TOKEN] <command>
  (or set KB_NODE_URL and KB_ADMIN_TOKEN)

  keys list                                  partner keys and the node's own
  keys import <municipality> <jwk-or-jwks.json> [--expires <date-time>]
                                             stored pending; compare fingerprints, then approve
  keys approve <kid>
  keys revoke <kid> --reason <text>
  keys rotate                                make the next own key and announce it to partners
  keys fingerprint [<jwk-or-jwks.json>]      read-aloud fingerprint of a key file, or of the node's own key
  tokens create <role> [--label <text>] [--days <n>]
  tokens list
  tokens revoke <id>
  logs verify [--witness <file>]...          walk the audit and consent hash chains, held against the node's
                                             latest checkpoint and each partner's witness file (exit 3 if broken)
  checkpoints list                           the node's own signed checkpoints of its logs, newest first
  checkpoints make                           sign one now and send it to every partner
  checkpoints witnessed <municipality> [--limit <n>]
                                             a witness file of that partner's checkpoints that this node keeps
                                             (JSON on stdout: give it to the partner's admin for logs verify)
  evidence verify <file>                     check an evidence bundle (GET /messages/:id/evidence) offline,
                                             with no node and no network (exit 3 if it does not hold)

  dead-letters list                          refused inbound messages per refusal code (facts only, no payload)
  dead-letters replay <message-id>           put one back into this node's inbox once its cause is fixed
  --help                                     this text`;

export class UsageError extends Error {}

const options = {
  node: { type: 'string' },
  token: { type: 'string' },
  reason: { type: 'string' },
  label: { type: 'string' },
  days: { type: 'string' },
  expires: { type: 'string' },
  witness: { type: 'string', multiple: true },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.days !== undefined && (!/^\d{1,3}$/.test(values.days) || Number(values.days) < 1 || Number(values.days) > 730)) throw new UsageError(`--days must be a whole number of days (1 to 730), got "${values.days}"`);
  if (values.expires !== undefined && Number.isNaN(Date.parse(values.expires))) throw new UsageError(`--expires must be a date-time, got "${values.expires}"`);
  if (values.limit !== undefined && !/^\d{1,4}$/.test(values.limit)) throw new UsageError(`--limit must be a whole number, got "${values.limit}"`);
  if (values.node !== undefined && !/^https?:\/\//.test(values.node)) throw new UsageError(`--node must be an http(s) URL, got "${values.node}"`);
  return { flags: values, words: positionals };
}

export class NodeClient {
  constructor(readonly url: string, private readonly token: string) {}

  /** `accept`: error statuses that are an answer, not a failure (409 from a broken chain). */
  async call(method: string, path: string, body?: unknown, accept: number[] = []): Promise<any> {
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new Error(`cannot reach the node at ${this.url} (${(error as Error).message})`);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 400 && !accept.includes(res.status)) throw new Error(`${res.status} ${String(json.code ?? '')}: ${String(json.title ?? '')}${json.detail ? ` — ${String(json.detail)}` : ''}`);
    return json;
  }
}

function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function readJwk(file: string): { keys: Record<string, unknown>[] } {
  const json = readJson(file);
  return Array.isArray(json.keys) ? json : { keys: [json] };
}

const printKey = (k: any) =>
  console.log(`${k.kid.padEnd(22)} ${k.municipality}  ${k.status.padEnd(16)} ${k.fingerprint}${k.reason ? `  (${k.reason})` : ''}${k.retireAt ? `  retires ${k.retireAt}` : ''}`);

export async function run(argv: string[], env = process.env): Promise<void> {
  const { flags, words } = parse(argv);
  const [group, command, ...args] = words;
  if (!group || group === 'help' || flags.help) return console.log(usage);
  if (group === 'keys' && command === 'fingerprint' && args[0]) {
    for (const key of readJwk(args[0]).keys) console.log(`${String(key.kid)}  ${await phoneFingerprint(key)}  (RFC 7638 ${await thumbprint(key)})`);
    return;
  }
  if (group === 'evidence' && command === 'verify') {
    if (!args[0]) throw new UsageError('evidence verify needs <file>');
    let text: string;
    try {
      text = readFileSync(args[0], 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${args[0]}: ${(error as Error).message}`);
    }
    const report = await verifyEvidenceText(text);
    console.log(formatReport(report));
    if (!report.ok) process.exitCode = 3;
    return;
  }
  const node = flags.node ?? env.KB_NODE_URL;
  const token = flags.token ?? env.KB_ADMIN_TOKEN;
  if (!node) throw new UsageError('say which node: --node http://127.0.0.1:8101 or KB_NODE_URL');
  if (!token) throw new UsageError('an admin token is needed: --token or KB_ADMIN_TOKEN');
  const api = new NodeClient(node, token);
  const need = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`${group} ${command} needs ${what}`);
  };
  switch (`${group} ${command}`) {
    case 'keys list': {
      const { own, partners } = await api.call('GET', '/admin/keys');
      console.log(`own key ${own.current}  ${own.fingerprint}${own.next ? `  next ${own.next.kid} from ${own.next.validFrom}` : ''}`);
      if (own.encryption) console.log(`own encryption key ${own.encryption.current}  ${own.encryption.fingerprint}${own.encryption.next ? `  next ${own.encryption.next}` : ''}`);
      partners.forEach(printKey);
      return;
    }
    case 'keys import': {
      need(2, '<municipality> <file>');
      const { imported } = await api.call('POST', '/admin/keys', { municipality: args[0], jwks: readJwk(args[1]!), expiresAt: flags.expires });
      if (imported.length === 0) console.log('already known; nothing imported');
      imported.forEach(printKey);
      if (imported.length > 0) console.log('Read the fingerprint to the partner\'s admin on the phone, then: keys approve <kid>');
      return;
    }
    case 'keys approve':
      need(1, '<kid>');
      return printKey(await api.call('POST', `/admin/keys/${encodeURIComponent(args[0]!)}/approve`));
    case 'keys revoke':
      need(1, '<kid>');
      if (!flags.reason) throw new UsageError('keys revoke needs --reason');
      return printKey(await api.call('POST', `/admin/keys/${encodeURIComponent(args[0]!)}/revoke`, { reason: flags.reason }));
    case 'keys rotate': {
      const r = await api.call('POST', '/admin/keys/rotate');
      console.log(`next key ${r.kid} (encryption ${r.encryptionKid}) takes over ${r.validFrom}, replacing ${r.replacesKid}; announced to ${r.announcedTo.join(', ') || 'no partner'}`);
      return;
    }
    case 'keys fingerprint': {
      const { own } = await api.call('GET', '/admin/keys');
      console.log(`${own.current}  ${own.fingerprint}`);
      if (own.encryption) console.log(`${own.encryption.current}  ${own.encryption.fingerprint}`);
      return;
    }
    case 'tokens create': {
      need(1, '<role>');
      const t = await api.call('POST', '/admin/tokens', { role: args[0], label: flags.label, expiresInDays: flags.days ? Number(flags.days) : undefined });
      console.log(`${t.token}\n(role ${t.role}, id ${t.id}, expires ${t.expiresAt}; shown once)`);
      return;
    }
    case 'tokens list': {
      const { tokens } = await api.call('GET', '/admin/tokens');
      for (const t of tokens) console.log(`${t.id}  ${t.role.padEnd(10)} ${t.label.padEnd(20)} ${t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry'}`);
      return;
    }
    case 'tokens revoke':
      need(1, '<id>');
      await api.call('POST', `/admin/tokens/${encodeURIComponent(args[0]!)}/revoke`);
      console.log(`token ${args[0]} revoked`);
      return;
    case 'logs verify': {
      const witnesses = (flags.witness ?? []).map(readJson);
      const report = await api.call('POST', '/logs/verify', { witnesses }, [409]);
      for (const [name, r] of [['audit log', report.audit], ['consent log', report.consent]] as const) {
        const held = r.checkpoints?.length ? `; held against ${r.checkpoints.length} checkpoint(s)` : '';
        console.log(r.ok ? `${name}: intact, ${r.entries} entries${held}` : `${name}: BROKEN at entry ${r.firstBroken.seq} (${r.firstBroken.reason}); ${r.entries} entries before it hold`);
      }
      for (const r of report.rejected) console.log(`checkpoint REJECTED (${r.label}): ${r.reason}`);
      if (!report.ok) process.exitCode = 3;
      return;
    }
    case 'checkpoints list': {
      const { checkpoints } = await api.call('GET', '/checkpoints');
      if (checkpoints.length === 0) return console.log('no checkpoint yet');
      for (const c of checkpoints) console.log(`${c.at}  audit ${c.audit.seq}  consent ${c.consent.seq}  signed with ${c.kid}`);
      return;
    }
    case 'checkpoints make': {
      const { checkpoint: c, sentTo } = await api.call('POST', '/checkpoints');
      console.log(`checkpoint ${c.at}: audit ${c.audit.seq}, consent ${c.consent.seq}; sent to ${sentTo.join(', ') || 'no partner'}`);
      return;
    }
    case 'checkpoints witnessed': {
      need(1, '<municipality>');
      const query = `from=${encodeURIComponent(args[0]!)}${flags.limit ? `&limit=${flags.limit}` : ''}`;
      console.log(JSON.stringify(await api.call('GET', `/checkpoints/witnessed?${query}`), null, 2));
      return;
    }
    case 'dead-letters list': {
      const { byCode, deadLetters } = await api.call('GET', '/admin/dead-letters');
      if (deadLetters.length === 0) return console.log('no dead letters');
      for (const code of Object.keys(byCode).sort()) {
        console.log(`${code} (${byCode[code]})`);
        for (const d of deadLetters.filter((x: any) => x.code === code)) console.log(`  ${d.id}  ${String(d.type ?? '?').padEnd(26)} from ${d.from ?? '?'}  ${d.deadLetteredAt ?? ''}  ${d.detail}`);
      }
      return;
    }
    case 'dead-letters replay': {
      need(1, '<message-id>');
      const { replayed } = await api.call('POST', `/admin/dead-letters/${encodeURIComponent(args[0]!)}/replay`);
      console.log(`replayed ${replayed.id} (${replayed.type ?? '?'} from ${replayed.from ?? '?'}, was ${replayed.code}) into the inbox`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${words.join(' ')}"`);
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  run(process.argv.slice(2)).catch((error) => {
    console.error(`kommunebro: ${(error as Error).message}`);
    if (error instanceof UsageError) console.error('\n' + usage);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
