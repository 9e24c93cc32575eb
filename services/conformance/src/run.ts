import { ReferencePartner, type KitOptions } from './partner.ts';
import { Kit, rules as allRules, type Rule, type Verdict } from './rules.ts';
import { ProtocolSchemas } from './schemas.ts';

export interface RuleResult extends Verdict {
  id: string;
  section: string;
  title: string;
}

export interface KitReport {
  results: RuleResult[];
  passed: boolean;
}

/**
 * Plays the reference partner against one node: registers the kit's key, runs every rule (each
 * on its own messages, at the same time, so a run takes about as long as its slowest rule), then
 * the rules marked `last`, and revokes the kit's keys again.
 */
export async function runConformance(options: KitOptions, rules: Rule[] = allRules): Promise<KitReport> {
  const partner = new ReferencePartner(options, new ProtocolSchemas());
  await partner.start();
  const kit = new Kit(partner);
  const runRule = async (rule: Rule): Promise<RuleResult> => {
    let verdict: Verdict;
    try {
      verdict = await rule.run(kit);
    } catch (error) {
      verdict = { outcome: 'fail', detail: (error as Error).message };
    }
    return { id: rule.id, section: rule.section, title: rule.title, ...verdict };
  };
  try {
    const first = await Promise.all(rules.filter((r) => r.phase !== 'last').map(runRule));
    const last = await Promise.all(rules.filter((r) => r.phase === 'last').map(runRule));
    const results = [...first, ...last];
    if (partner.unreadable.length > 0) {
      results.push({ id: 'readable-deliveries', section: '§3.1', title: 'everything the node publishes to the partner is a compact JWS', outcome: 'fail', detail: partner.unreadable.slice(0, 3).join(' | ') });
    }
    return { results, passed: results.every((r) => r.outcome !== 'fail') };
  } finally {
    await partner.close();
  }
}

/** One line per rule: outcome, section, id, title, and why when it did not pass. */
export function formatReport(report: KitReport): string {
  const lines = report.results.map((r) => {
    const mark = r.outcome === 'pass' ? 'PASS' : r.outcome === 'fail' ? 'FAIL' : 'SKIP';
    const why = r.outcome === 'pass' ? '' : `\n       ${r.detail ?? ''}`;
    return `${mark}  ${r.section.padEnd(6)} ${r.id}: ${r.title}${why}`;
  });
  const count = (o: Verdict['outcome']) => report.results.filter((r) => r.outcome === o).length;
  lines.push('', `conformance: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
  return lines.join('\n');
}
