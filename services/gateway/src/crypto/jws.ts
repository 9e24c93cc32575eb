import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import './node-jose-hooks.ts'; // node-jose's ES256 keys and random bytes on node:crypto
import { Refusal } from '../domain/errors.ts';

export const signatureAlgorithm = 'ES256';
export const jwsType = 'kommunebro+jws';

export type PublicJwk = Record<string, unknown> & { kid: string; kty: string };

export interface SigningKey {
  kid: string;
  key: jose.JWK.Key;
  publicJwk: PublicJwk;
}

export async function thumbprint(jwk: object): Promise<string> {
  const key = await jose.JWK.asKey(jwk);
  return jose.util.base64url.encode(await key.thumbprint('SHA-256'));
}

/** Kid = municipality code + RFC 7638 thumbprint prefix, so a reader sees whose key it is. */
export async function generateSigningKey(municipality: string): Promise<jose.JWK.Key> {
  const generated = await jose.JWK.createKeyStore().generate('EC', 'P-256', { alg: signatureAlgorithm, use: 'sig' });
  const kid = `${municipality}-${(await thumbprint(generated.toJSON())).slice(0, 16)}`;
  return jose.JWK.asKey({ ...(generated.toJSON(true) as object), kid, alg: signatureAlgorithm, use: 'sig' });
}

/** Loads a private key file from keyDir, generating it on first start (file mode 0600). */
export async function loadOrCreateKeyFile(keyDir: string, name: string, kidPrefix: string, generate: () => Promise<jose.JWK.Key>): Promise<jose.JWK.Key> {
  const file = path.join(keyDir, name);
  if (existsSync(file)) {
    const key = await jose.JWK.asKey(JSON.parse(readFileSync(file, 'utf8')));
    if (!key.kid.startsWith(kidPrefix)) throw new Error(`The key in ${file} belongs to another municipality (kid ${key.kid}, expected ${kidPrefix}…)`);
    return key;
  }
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  const key = await generate();
  writeFileSync(file, JSON.stringify(key.toJSON(true)), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** Loads the node's private signing key from keyDir, generating it on first start. */
export async function loadOrCreateSigningKey(keyDir: string, municipality: string): Promise<SigningKey> {
  const key = await loadOrCreateKeyFile(keyDir, 'signing-key.json', `${municipality}-`, () => generateSigningKey(municipality));
  return { kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk };
}

export async function sign(signingKey: SigningKey, body: object): Promise<string> {
  const result = await jose.JWS.createSign(
    { format: 'compact', alg: signatureAlgorithm, fields: { typ: jwsType } },
    { key: signingKey.key, reference: 'kid' } as unknown as jose.JWK.Key,
  )
    .update(Buffer.from(JSON.stringify(body)))
    .final();
  return result as unknown as string;
}

export interface UnverifiedJws {
  kid: string;
  claims: Record<string, unknown>;
}

function decodeJson(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Reads header and payload without trusting them, to find which key must verify the signature. */
export function parseCompactJws(text: string): UnverifiedJws {
  const parts = text.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1]) {
    throw new Refusal('jws_malformed', 'expected three base64url segments');
  }
  let header: unknown;
  let claims: unknown;
  try {
    header = decodeJson(parts[0]);
    claims = decodeJson(parts[1]);
  } catch {
    throw new Refusal('jws_malformed', 'header or payload is not base64url JSON');
  }
  if (!isObject(header) || !isObject(claims)) throw new Refusal('jws_malformed', 'header and payload must be objects');
  if (header.alg !== signatureAlgorithm) throw new Refusal('alg_not_allowed', `alg ${String(header.alg)}`);
  if (header.crit !== undefined) throw new Refusal('jws_malformed', 'crit is not supported');
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw new Refusal('jws_malformed', 'header has no kid');
  if (!parts[2]) throw new Refusal('signature_invalid', 'empty signature');
  return { kid: header.kid, claims };
}

/** Verifies with exactly one key; algorithms are pinned so `none` and HS256 never verify. */
export async function verifyWith(key: jose.JWK.Key, text: string): Promise<Record<string, unknown>> {
  return parseVerified(await verifiedPayload(key, text));
}

/** The payload's text once its signature verified with `key` (see verifyWith). */
export async function verifiedPayload(key: jose.JWK.Key, text: string): Promise<string> {
  try {
    return (await jose.JWS.createVerify(key, { algorithms: [signatureAlgorithm] }).verify(text)).payload.toString('utf8');
  } catch {
    throw new Refusal('signature_invalid');
  }
}

/** The verified payload as an object: a payload that is no JSON counts as a bad signature, as before. */
export function parseVerified(payload: string): Record<string, unknown> {
  try {
    return JSON.parse(payload);
  } catch {
    throw new Refusal('signature_invalid');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
