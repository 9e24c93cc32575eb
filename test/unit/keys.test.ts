import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, parseCompactJws, sign, verifyWith } from '../../services/gateway/src/crypto/jws.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';

describe('node signing key', () => {
  it('when a node starts the first time, then it makes an ES256 key readable by the owner only, and reuses it later', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'kb-keys-')), 'keys');
    const first = await loadOrCreateSigningKey(dir, '165');
    expect(first.kid).toMatch(/^165-/);
    expect(first.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(first.publicJwk).not.toHaveProperty('d');
    expect(statSync(path.join(dir, 'signing-key.json')).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateSigningKey(dir, '165');
    expect(again.kid).toBe(first.kid);
  });

  it("when the key folder holds another municipality's key, then the start stops", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'kb-keys-')), 'keys');
    await loadOrCreateSigningKey(dir, '165');
    await expect(loadOrCreateSigningKey(dir, '101')).rejects.toThrow(/another municipality/);
  });

  it('when signed and verified with the same key, then the claims come back; with another key, signature_invalid', async () => {
    const a = await loadOrCreateSigningKey(path.join(mkdtempSync(path.join(tmpdir(), 'kb-keys-')), 'k'), '101');
    const b = await loadOrCreateSigningKey(path.join(mkdtempSync(path.join(tmpdir(), 'kb-keys-')), 'k'), '101');
    const jws = await sign(a, { hello: 'world' });
    expect(parseCompactJws(jws).kid).toBe(a.kid);
    expect(await verifyWith(a.key, jws)).toEqual({ hello: 'world' });
    await expect(verifyWith(b.key, jws)).rejects.toSatisfy((e) => e instanceof Refusal && e.code === 'signature_invalid');
  });
});
