// The kit's own compact JWS (RFC 7515) on node:crypto, not the gateway's code: it must also build
// what a conforming node refuses (alg none, crit, bad signatures), and it must not share a bug with
// the implementation it checks.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import jose from 'node-jose';

export interface PartnerKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' };
}

export const b64url = (value: string | Buffer | object) =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString('base64url');

/** RFC 7638 SHA-256 thumbprint of a P-256 key, base64url. */
export function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * A fresh P-256 key pair as JWKs, exported by the generation itself: on Node 20,
 * `keyObject.export({ format: 'jwk' })` can hang the process when a garbage collection during the
 * export frees the generation job (both take the key's lock).
 */
function generateP256(): { privateJwk: JsonWebKey; publicJwk: { x: string; y: string } } {
  // @types/node 20 has no overload for JWK encodings, which Node 20 supports.
  const generate = generateKeyPairSync as unknown as (type: 'ec', options: object) => { privateKey: JsonWebKey; publicKey: { x: string; y: string } };
  const pair = generate('ec', { namedCurve: 'P-256', publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } });
  return { privateJwk: pair.privateKey, publicJwk: pair.publicKey };
}

/** A fresh P-256 key whose kid follows the protocol's rule: `<municipality>-<first 16 characters of the thumbprint>`. */
export function generatePartnerKey(municipality: string): PartnerKey {
  const generated = generateP256();
  const privateKey = createPrivateKey({ key: generated.privateJwk, format: 'jwk' });
  const { x, y } = generated.publicJwk;
  const kid = `${municipality}-${thumbprint({ kty: 'EC', crv: 'P-256', x, y }).slice(0, 16)}`;
  return { kid, privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' } };
}

/** ES256 over `header.payload` as RFC 7518 §3.4 wants it: r‖s, 64 bytes. */
export function es256(key: KeyObject, signingInput: string): string {
  return sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/** A compact JWS with any header, signed with `key`. */
export function signCompact(key: PartnerKey, claims: object, header: Record<string, unknown> = { alg: 'ES256', kid: key.kid }): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${es256(key.privateKey, input)}`;
}

export interface ReadJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits a compact JWS without trusting it; throws with what is wrong. */
export function readCompact(text: string): ReadJws {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new Error('not a compact JWS of three unpadded base64url segments');
  const [h, c, s] = parts as [string, string, string];
  const json = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(h), claims: json(c), signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

/** True when the signature is a valid ES256 signature by the public JWK. */
export function verifiesWith(jws: ReadJws, jwk: object): boolean {
  try {
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    return jws.signature.length === 64 && verify('sha256', Buffer.from(jws.signingInput), { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  } catch {
    return false;
  }
}

/**
 * Encrypts a signed compact JWS to the node's encryption key as a partner must
 * (docs/PROTOCOL.md §3.5): compact JWE, ECDH-ES+A256KW with A256GCM, the key's kid, cty naming the JWS.
 */
export async function encryptCompact(recipient: Record<string, unknown>, jws: string): Promise<string> {
  const key = await jose.JWK.asKey(recipient);
  const fields = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: key.kid, cty: 'kommunebro+jws' };
  return jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields }, { key, reference: false } as unknown as jose.JWK.Key)
    .update(Buffer.from(jws, 'utf8'))
    .final();
}

/** The partner's encryption key: what the node encrypts its messages to the kit with (kid `<code>-enc-…`). */
export interface PartnerEncryptionKey {
  kid: string;
  key: jose.JWK.Key;
  publicJwk: Record<string, unknown>;
}

export async function generateEncryptionKey(municipality: string): Promise<PartnerEncryptionKey> {
  const generated = generateP256();
  const pub = generated.publicJwk;
  const kid = `${municipality}-enc-${thumbprint({ kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y }).slice(0, 16)}`;
  const key = await jose.JWK.asKey({ ...generated.privateJwk, kid, alg: 'ECDH-ES+A256KW', use: 'enc' });
  return { kid, key, publicJwk: { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y, kid, alg: 'ECDH-ES+A256KW', use: 'enc' } };
}

/** The JWS inside a compact JWE addressed to `key`. */
export async function decryptCompact(key: PartnerEncryptionKey, jwe: string): Promise<string> {
  const result = await jose.JWE.createDecrypt(key.key, { algorithms: ['ECDH-ES+A256KW', 'A256GCM'] }).decrypt(jwe);
  return result.plaintext.toString('utf8');
}
