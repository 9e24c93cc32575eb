import jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import type { PublicJwk } from './jws.ts';

/** SHA-256 of the RFC 7638 form, first 20 bytes as 10 groups of 4 hex digits: easy to read out on the phone. */
export async function phoneFingerprint(jwk: object): Promise<string> {
  const key = await jose.JWK.asKey(jwk);
  const hex = Buffer.from(await key.thumbprint('SHA-256')).toString('hex').toUpperCase().slice(0, 40);
  return hex.match(/.{4}/g)!.join(' ');
}

/** Only a public P-256 key with a kid is a partner's signing key; private parts are never taken. */
export function publicP256(candidate: PublicJwk, source: string) {
  if (candidate.kty !== 'EC' || candidate.crv !== 'P-256' || 'd' in candidate) {
    throw new Refusal('key_invalid', `${source}: key ${String(candidate.kid)} is not a public P-256 key`);
  }
  if (typeof candidate.kid !== 'string' || !candidate.kid) throw new Refusal('key_invalid', `${source}: a key has no kid`);
  const { kid, kty, crv, x, y } = candidate;
  return { kid, kty, crv, x, y, alg: 'ES256', use: 'sig' };
}
