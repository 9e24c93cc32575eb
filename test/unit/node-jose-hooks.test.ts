import { createPublicKey, sign as nodeSign, verify as nodeVerify, type JsonWebKey } from 'node:crypto';
import { createRequire } from 'node:module';
import jose from 'node-jose';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptWith, encryptTo, generateEncryptionKey } from '../../services/gateway/src/crypto/jwe.ts';
import { generateSigningKey, sign, verifyWith, type SigningKey } from '../../services/gateway/src/crypto/jws.ts';
import { keyConversions } from '../../services/gateway/src/crypto/node-jose-hooks.ts';

// node-forge as node-jose loads it (lib/deps/forge.js), to see whether node-jose still draws from its PRNG.
const forge = createRequire(createRequire(import.meta.url).resolve('node-jose'))('node-forge/lib/forge') as {
  random: { getBytes: (n: number) => string };
};

async function signingKey(municipality: string): Promise<SigningKey> {
  const key = await generateSigningKey(municipality);
  return { kid: key.kid, key, publicJwk: key.toJSON() as SigningKey['publicJwk'] };
}

function segments(jws: string) {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  return { signed: Buffer.from(`${header}.${payload}`), signature: Buffer.from(signature, 'base64url') };
}

describe('node-jose on node:crypto (crypto/node-jose-hooks.ts)', () => {
  const getBytes = forge.random.getBytes;
  afterEach(() => {
    forge.random.getBytes = getBytes;
  });

  it('when one key signs and verifies many times, then node-jose converts it once per side', async () => {
    const key = await signingKey('0101');
    const before = keyConversions();
    const signatures = [];
    for (let i = 0; i < 20; i++) signatures.push(await sign(key, { i }));
    expect(keyConversions()).toBe(before + 1);
    for (const [i, jws] of signatures.entries()) expect(await verifyWith(key.key, jws)).toEqual({ i });
    expect(keyConversions()).toBe(before + 2);
  });

  it('when node-jose signs, then node:crypto verifies it, and the other way round', async () => {
    const key = await signingKey('0101');
    const { signed, signature } = segments(await sign(key, { type: 'test' }));
    const publicKey = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' });
    expect(nodeVerify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);

    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ from: 'node:crypto' })).toString('base64url');
    const privateKey = { key: key.key.toJSON(true) as JsonWebKey, format: 'jwk' as const, dsaEncoding: 'ieee-p1363' as const };
    const nodeSignature = nodeSign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
    expect(await verifyWith(key.key, `${header}.${payload}.${nodeSignature}`)).toEqual({ from: 'node:crypto' });
  });

  it('when a signature is changed or made by another key, then it does not verify', async () => {
    const [ours, theirs] = [await signingKey('0101'), await signingKey('0147')];
    const jws = await sign(ours, { amount: 100 });
    await expect(verifyWith(ours.key, jws)).resolves.toEqual({ amount: 100 });
    await expect(verifyWith(theirs.key, await sign(theirs, { amount: 1 }))).resolves.toEqual({ amount: 1 });
    await expect(verifyWith(theirs.key, jws)).rejects.toMatchObject({ code: 'signature_invalid' });
    const [header, , signature] = jws.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ amount: 1000 })).toString('base64url')}.${signature}`;
    await expect(verifyWith(ours.key, forged)).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('when a message is encrypted, then its random bytes come from node:crypto, not from forge, and it decrypts', async () => {
    const key = await generateEncryptionKey('0101');
    const keys = await jose.JWK.asKeyStore({ keys: [key.toJSON(true)] });
    let drawnFromForge = 0;
    forge.random.getBytes = (n: number) => {
      drawnFromForge += 1;
      return getBytes(n);
    };
    const [first, second] = [await encryptTo(key, 'a.b.c'), await encryptTo(key, 'a.b.c')];
    expect(drawnFromForge).toBe(0);
    const iv = (jwe: string) => jwe.split('.')[2];
    expect(iv(first)).toHaveLength(16); // 96 bits, base64url
    expect(iv(first)).not.toBe(iv(second));
    expect(await decryptWith(keys, first)).toBe('a.b.c');
    expect(await decryptWith(keys, second)).toBe('a.b.c');
  });
});
