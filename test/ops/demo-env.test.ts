import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Role } from '../../services/gateway/src/config/index.ts';
import { TestFederation } from '../helpers/nodes.ts';

// `npm run demo:remote` against a federation it knows only from the environment, as docker-compose's
// .env gives it (KB_TOKENS_<code>, KB_PORT_<code>): no tokens.json, ports not at 8000 + code.
describe('npm run demo:remote: when the federation is described by .env variables only', () => {
  const federation = new TestFederation();
  const codes = ['101', '165', '161', '657'];
  const roles: Role[] = ['outreach', 'shelter', 'caseworker', 'finance', 'admin'];

  beforeAll(async () => {
    await federation.start(codes);
  }, 180_000);
  afterAll(async () => {
    await federation.stop();
  });

  it('when it runs, then it plays every seed story through those ports and tokens and completes', async () => {
    const env: Record<string, string> = { ...process.env, KB_FEDERATION_DIR: '/nonexistent' } as Record<string, string>;
    for (const code of codes) {
      const node = federation.get(code);
      env[`KB_TOKENS_${code}`] = roles.map((r) => `${node.token(r)}=${r}`).join(',');
      env[`KB_PORT_${code}`] = new URL(node.url).port;
    }
    // Asynchronous: the nodes live in this process and must stay free to answer.
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'demo:remote'], { env, encoding: 'utf8', timeout: 150_000 });
    expect(stdout).toContain('København → Albertslund: street-sleeper.notice delivered');
    expect(stdout).toContain('Herning → København: handling.decision delivered');
    expect(stdout).toMatch(/Invoice \S+ as seen by Glostrup: reconciled/);
    expect(stdout.trim().split('\n').at(-1)).toBe('Demo complete.');
  }, 160_000);
});
