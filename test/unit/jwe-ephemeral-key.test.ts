import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ephemeralKey } from '../../services/gateway/src/crypto/jwe.ts';

// Node 20 deadlocks when a garbage collection during `keyObject.export({ format: 'jwk' })` frees the
// generation job of the same key (both take the key's lock): the process then waits forever. A
// 1 MB young generation collects every few hundred keys, so the old way hung within seconds.
describe('ephemeral JWE keys', () => {
  it('when many keys are made with frequent garbage collections, then the process does not hang', async () => {
    const script = `import { ephemeralKey } from './services/gateway/src/crypto/jwe.ts';
      for (let i = 0; i < 30000; i++) if (!ephemeralKey().d) throw new Error('no private part');
      console.log('done');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], { timeout: 25_000 });
    expect(stdout.trim()).toBe('done');
  }, 30_000);

  it('when a key is made, then it is a private P-256 JWK', () => {
    const jwk = ephemeralKey();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect([jwk.x, jwk.y, jwk.d].every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
  });
});
