import { createPublicKey } from 'node:crypto';
import jose from 'node-jose';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import { signatureAlgorithm, type PublicJwk } from './jws.ts';
import { keyAgreementAlgorithm } from './jwe.ts';

/** SHA-256 of the RFC 7638 form, first 20 bytes as 10 groups of 4 hex digits: easy to read out on the phone. */
export async function phoneFingerprint(jwk: object): Promise<string> {
  const key = await jose.JWK.asKey(jwk);
  const hex = Buffer.from(await key.thumbprint('SHA-256')).toString('hex').toUpperCase().slice(0, 40);
  return hex.match(/.{4}/g)!.join(' ');
}

const b64url = /^[A-Za-z0-9_-]+$/;

/** x or y of a P-256 point: base64url of exactly 32 bytes. */
const coordinate = (value: unknown) => typeof value === 'string' && b64url.test(value) && Buffer.from(value, 'base64url').length === 32;

/**
 * Only a public P-256 key with a kid is a partner's key; private parts are never taken. It is a
 * signing key (ES256), or an encryption key (ECDH-ES+A256KW) when it says `use: enc`.
 * The point must lie on the curve: node:crypto refuses to import one that does not.
 */
export function publicP256(candidate: unknown, source: string) {
  const c = (candidate ?? {}) as Record<string, unknown>;
  const kid = typeof c.kid === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(c.kid) ? c.kid : undefined;
  const named = kid ?? '(without a valid kid)';
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) throw new Refusal('key_invalid', `${source}: a key is not a JWK object`);
  if (c.kty !== 'EC' || c.crv !== 'P-256' || 'd' in c) throw new Refusal('key_invalid', `${source}: key ${named} is not a public P-256 key`);
  if (!kid) throw new Refusal('key_invalid', `${source}: a key has no valid kid`);
  // A kid is echoed in lists, audit entries and logs: one that reads as a CPR number is refused.
  if (maskCpr(kid) !== kid) throw new Refusal('key_invalid', `${source}: a kid must not hold a CPR number`);
  if (!coordinate(c.x) || !coordinate(c.y)) throw new Refusal('key_invalid', `${source}: key ${kid} needs x and y of 32 bytes each, base64url`);
  const jwk = { kty: 'EC', crv: 'P-256', x: c.x as string, y: c.y as string };
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new Refusal('key_invalid', `${source}: key ${kid} is not a point on P-256`);
  }
  if (c.use !== undefined && c.use !== 'sig' && c.use !== 'enc') throw new Refusal('key_invalid', `${source}: key ${kid} must have use sig or enc`);
  if (c.use === 'enc') return { kid, ...jwk, alg: keyAgreementAlgorithm, use: 'enc' } satisfies PublicJwk;
  return { kid, ...jwk, alg: signatureAlgorithm, use: 'sig' } satisfies PublicJwk;
}
