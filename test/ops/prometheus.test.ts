import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The alerting rules are checked by Prometheus's own tool (Debian package `prometheus`; .ci/run
// installs it when missing).
const promtool = (...args: string[]) => {
  try {
    return { code: 0, out: execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: apt-get install prometheus');
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

describe('alerting rules (deploy/prometheus)', () => {
  it('when promtool checks alerts.yml, then every rule is valid', () => {
    const result = promtool('check', 'rules', 'deploy/prometheus/alerts.yml');
    expect(result.out).toContain('SUCCESS: 9 rules found');
    expect(result.code).toBe(0);
  });

  it('when the rule unit tests run, then each alert fires on its series and stays quiet on a healthy node', () => {
    const result = promtool('test', 'rules', 'deploy/prometheus/alerts.test.yml');
    expect(result.out).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('when promtool checks the compose Prometheus configuration, then it and its rule file are valid', () => {
    const result = promtool('check', 'config', 'deploy/prometheus/prometheus.yml');
    expect(result.out).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('when an alert names a metric, then the node exports it (names from monitoring/metrics.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const rules = readFileSync('deploy/prometheus/alerts.yml', 'utf8');
    const metrics = readFileSync('services/gateway/src/monitoring/metrics.ts', 'utf8');
    const named = [...new Set(rules.match(/kommunebro_[a-z_]+/g))];
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(metrics.includes(`'${name}'`), name).toBe(true);
  });
});
