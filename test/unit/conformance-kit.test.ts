import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKitArgs, UsageError } from '../../services/conformance/src/main.ts';
import { rules } from '../../services/conformance/src/rules.ts';

const protocol = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const guide = readFileSync(new URL('../../docs/CONFORMANCE.md', import.meta.url), 'utf8');
const required = ['--node', 'http://127.0.0.1:8165', '--node-code', '165', '--token', 'admin-token-0123456789', '--partner', '101', '--amqp-url', 'amqp://kb101:pw@127.0.0.1:5672'];

describe('conformance kit', () => {
  it('when its rules are listed, then each names a section that docs/PROTOCOL.md has, and each id is unique', () => {
    const headings = new Set([...protocol.matchAll(/^#{2,3} (§\d+(?:\.\d+)?) /gm)].map((m) => m[1]));
    expect(rules.filter((r) => !headings.has(r.section)).map((r) => `${r.id} ${r.section}`)).toEqual([]);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  it('when its rules are listed, then docs/CONFORMANCE.md lists each with its section', () => {
    const rows = guide.split('\n').filter((line) => line.startsWith('| `'));
    const listed = (id: string, section: string) => rows.some((row) => row.includes(`\`${id}\``) && row.includes(`| ${section.slice(1)} |`));
    expect(rules.filter((r) => !listed(r.id, r.section)).map((r) => r.id)).toEqual([]);
  });

  it('when it is given every required option, then it takes the defaults for the rest', () => {
    const parsed = parseKitArgs(required);
    expect(parsed).not.toBe('help');
    expect(parsed).toMatchObject({ kit: { nodeUrl: 'http://127.0.0.1:8165', nodeCode: '165', partnerCode: '101', exchange: 'kommunebro', timeoutMs: 15_000, quietMs: 3_000, caseworkerToken: undefined } });
  });

  it('when an option is missing or wrong, then it says which', () => {
    const without = (name: string) => required.filter((_, i) => required[i] !== name && required[i - 1] !== name);
    expect(() => parseKitArgs(without('--token'))).toThrow(new UsageError('--token is required'));
    expect(() => parseKitArgs([...required.slice(0, 6), '--partner', '999', ...required.slice(8)])).toThrow(/--partner must be a municipality code/);
    expect(() => parseKitArgs([...required, '--timeout-ms', 'soon'])).toThrow(/--timeout-ms must be a whole number/);
    expect(() => parseKitArgs([...required, '--partner', '165'])).toThrow('--partner must differ from --node-code');
    expect(() => parseKitArgs([...required, '--colour'])).toThrow(UsageError);
  });
});
