import { generateKeyPairSync } from 'node:crypto';
import jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import { jwsType, loadOrCreateKeyFile, thumbprint, type PublicJwk } from './jws.ts';

export const keyAgreementAlgorithm = 'ECDH-ES+A256KW';
export const contentEncryptionAlgorithm = 'A256GCM';
/** `cty` of every JWE between nodes: its plaintext is the sender's signed compact JWS. */
export const nestedContentType = jwsType;

export interface EncryptionKey {
  kid: string;
  key: jose.JWK.Key;
  publicJwk: PublicJwk;
}

/** Kid = `<code>-enc-<thumbprint prefix>`: a reader tells it from the signing key `<code>-<prefix>`. */
export async function generateEncryptionKey(municipality: string): Promise<jose.JWK.Key> {
  const generated = await jose.JWK.createKeyStore().generate('EC', 'P-256', { alg: keyAgreementAlgorithm, use: 'enc' });
  const kid = `${municipality}-enc-${(await thumbprint(generated.toJSON())).slice(0, 16)}`;
  return jose.JWK.asKey({ ...(generated.toJSON(true) as object), kid, alg: keyAgreementAlgorithm, use: 'enc' });
}

export function encryptionKeyOf(key: jose.JWK.Key): EncryptionKey {
  return { kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk };
}

/** The node's private encryption key, next to its signing key, generated on first start (file mode 0600). */
export async function loadOrCreateEncryptionKey(keyDir: string, municipality: string): Promise<EncryptionKey> {
  const key = await loadOrCreateKeyFile(keyDir, 'encryption-key.json', `${municipality}-enc-`, () => generateEncryptionKey(municipality));
  return encryptionKeyOf(key);
}

/**
 * A fresh P-256 key pair as a private JWK, exported by the key generation itself. Not
 * `generateKeyPairSync(...).privateKey.export({ format: 'jwk' })`: on Node 20 that export holds the
 * key's lock while it allocates, and a garbage collection in between that frees the finished
 * generation job takes the same lock, so the process hangs for good (seen under load, more often
 * with a small young generation; test/unit/jwe-ephemeral-key.test.ts).
 */
export function ephemeralKey(): JsonWebKey {
  // @types/node 20 has no overload for JWK encodings, which Node 20 supports.
  const generate = generateKeyPairSync as (type: 'ec', options: object) => { privateKey: JsonWebKey };
  return generate('ec', { namedCurve: 'P-256', publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } }).privateKey;
}

/**
 * Encrypts a signed JWS to one recipient key: compact JWE, every header field protected. The
 * ephemeral key comes from node:crypto, fresh for each message: node-jose would make it in pure
 * JavaScript, about ten times slower than the rest of the encryption.
 */
export async function encryptTo(recipientKey: jose.JWK.Key, jws: string): Promise<string> {
  const epk = ephemeralKey();
  const result = await jose.JWE.createEncrypt(
    { format: 'compact', contentAlg: contentEncryptionAlgorithm, fields: { alg: keyAgreementAlgorithm, enc: contentEncryptionAlgorithm, kid: recipientKey.kid, cty: nestedContentType } },
    { key: recipientKey, reference: false, epk } as unknown as jose.JWK.Key,
  )
    .update(Buffer.from(jws, 'utf8'))
    .final();
  return result as unknown as string;
}

/** Five base64url segments: a compact JWE (a JWS has three). */
export function isCompactJwe(text: string): boolean {
  return text.split('.').length === 5;
}

const segment = /^[A-Za-z0-9_-]*$/;

/**
 * Opens a JWE addressed to one of our keys and returns its plaintext (the sender's JWS). Algorithms
 * are pinned; compression (`zip`) and critical extensions are refused, so neither a decompression
 * bomb nor an unknown rule gets in. Every failure is the one code `decryption_failed`.
 */
export async function decryptWith(keys: jose.JWK.KeyStore, text: string): Promise<string> {
  const parts = text.split('.');
  if (parts.length !== 5 || !parts.every((p) => segment.test(p)) || !parts[0]) throw new Refusal('decryption_failed', 'expected five base64url segments');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw new Refusal('decryption_failed', 'the protected header is not base64url JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Refusal('decryption_failed', 'the protected header is not an object');
  if (header.alg !== keyAgreementAlgorithm || header.enc !== contentEncryptionAlgorithm) {
    throw new Refusal('decryption_failed', `alg ${String(header.alg)} / enc ${String(header.enc)} not allowed`);
  }
  if (header.zip !== undefined || header.crit !== undefined) throw new Refusal('decryption_failed', 'zip and crit are not supported');
  if (header.cty !== nestedContentType) throw new Refusal('decryption_failed', `cty must be ${nestedContentType}`);
  if (typeof header.kid !== 'string' || !keys.get({ kid: header.kid, use: 'enc' })) throw new Refusal('decryption_failed', 'not encrypted to a key of this node');
  try {
    const result = await jose.JWE.createDecrypt(keys, { algorithms: [keyAgreementAlgorithm, contentEncryptionAlgorithm] }).decrypt(text);
    return result.plaintext.toString('utf8');
  } catch {
    throw new Refusal('decryption_failed', `does not decrypt with key ${header.kid}`);
  }
}

export interface OpenedBody {
  jws: string;
  /** It arrived as a JWE that decrypted with one of our keys. */
  encrypted: boolean;
}

/**
 * A JWE (five segments) decrypts with one of our encryption keys to the sender's JWS; anything
 * else is taken as it is, for the JWS checks to judge. Throws `decryption_failed`. `decrypt`:
 * decryptWith inline, or the node's JOSE threads (crypto/jose-threads.ts).
 */
export async function openBody(
  ownDecryptionKeys: () => Promise<jose.JWK.KeyStore>,
  body: Buffer,
  decrypt: (keys: jose.JWK.KeyStore, text: string) => Promise<string> = decryptWith,
): Promise<OpenedBody> {
  const text = body.toString('utf8').trim();
  if (!isCompactJwe(text)) return { jws: text, encrypted: false };
  return { jws: (await decrypt(await ownDecryptionKeys(), text)).trim(), encrypted: true };
}
