import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, parseCompactJws, sign, verifyWith } from '../../services/gateway/src/crypto/jws.ts';
import { decryptWith, encryptTo, openBody } from '../../services/gateway/src/crypto/jwe.ts';
import { OwnKeys } from '../../services/gateway/src/crypto/own-keys.ts';
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

describe('node encryption key', () => {
  const keyDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'kb-keys-')), 'keys');
  const refusedAs = (code: string) => (e: unknown) => e instanceof Refusal && e.code === code;

  it('when a node starts the first time, then it makes a P-256 encryption key next to its signing key, kid <code>-enc-…, and publishes both', async () => {
    const dir = keyDir();
    const keys = await OwnKeys.load(dir, '165');
    const own = keys.encryptionKey();
    expect(own.kid).toMatch(/^165-enc-[A-Za-z0-9_-]{16}$/);
    expect(statSync(path.join(dir, 'encryption-key.json')).mode & 0o777).toBe(0o600);
    expect(keys.jwks().keys.map((k) => [k.kid, k.use, k.alg])).toEqual([
      [keys.status().current, 'sig', 'ES256'],
      [own.kid, 'enc', 'ECDH-ES+A256KW'],
    ]);
    expect(keys.jwks().keys.some((k) => 'd' in k)).toBe(false);
    expect((await OwnKeys.load(dir, '165')).encryptionKey().kid).toBe(own.kid);
  });

  it('when a JWS is encrypted to the node, then it opens to the same JWS; encrypted to another node, decryption_failed', async () => {
    const alb = await OwnKeys.load(keyDir(), '165');
    const glo = await OwnKeys.load(keyDir(), '161');
    const jws = await sign(alb.signingKey(new Date()), { hello: 'world' });
    const toAlb = await encryptTo(alb.encryptionKey().key, jws);
    expect(toAlb.split('.')).toHaveLength(5);
    expect(await openBody(() => alb.decryptionKeys(), Buffer.from(toAlb))).toEqual({ jws, encrypted: true });
    expect(await openBody(() => alb.decryptionKeys(), Buffer.from(jws))).toEqual({ jws, encrypted: false });
    await expect(decryptWith(await alb.decryptionKeys(), await encryptTo(glo.encryptionKey().key, jws))).rejects.toSatisfy(refusedAs('decryption_failed'));
  });

  it('when the node rotates, then it decrypts with the next key at once, and with the old one after the switch and after a restart', async () => {
    const dir = keyDir();
    const keys = await OwnKeys.load(dir, '101');
    const old = keys.encryptionKey();
    const validFrom = new Date(Date.now() + 60_000);
    const next = await keys.prepareNext(validFrom);
    expect(next.encryption.kid).toMatch(/^101-enc-/);
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([old.kid, next.encryption.kid]));
    const jws = 'a.b.c';
    expect(await decryptWith(await keys.decryptionKeys(), await encryptTo(next.encryption.key, jws))).toBe(jws);
    keys.signingKey(new Date(validFrom.getTime() + 1));
    expect(keys.encryptionKey().kid).toBe(next.encryption.kid);
    const toOld = await encryptTo(old.key, jws);
    expect(await decryptWith(await keys.decryptionKeys(), toOld)).toBe(jws);
    const restarted = await OwnKeys.load(dir, '101');
    expect(restarted.encryptionKey().kid).toBe(next.encryption.kid);
    expect(await decryptWith(await restarted.decryptionKeys(), toOld)).toBe(jws);
  });
});
