import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import { parseVerified, sign, verifyWith, type PublicJwk, type SigningKey } from './jws.ts';
import { decryptWith, encryptTo } from './jwe.ts';
import type { JoseResult, JoseTask } from './jose-worker.ts';

/**
 * node-jose's four operations on the message path: the relay signs and encrypts, the inbound
 * pipeline decrypts and verifies. About half of a node's CPU under load is here
 * (docs/ARCHITECTURE.md, "Throughput"), so they can run on worker threads (KB_JOSE_THREADS), where
 * a node with spare cores spreads them; with none (the default) they run inline.
 */
export interface Jose {
  sign(key: SigningKey, body: object): Promise<string>;
  verify(key: jose.JWK.Key, jws: string): Promise<Record<string, unknown>>;
  encrypt(recipientKey: jose.JWK.Key, jws: string): Promise<string>;
  decrypt(keys: jose.JWK.KeyStore, text: string): Promise<string>;
  /** Operations the worker threads finished (0 inline). */
  completedOnThreads(): number;
  close(): Promise<void>;
}

export const inlineJose: Jose = { sign, verify: verifyWith, encrypt: encryptTo, decrypt: decryptWith, completedOnThreads: () => 0, close: async () => undefined };

/** A key's or key store's JWKs, made once per object (toJSON walks node-jose's keys each time). */
function jwkCache<K extends object, V>(toJwk: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let jwk = cache.get(key);
    if (jwk === undefined) cache.set(key, (jwk = toJwk(key)));
    return jwk;
  };
}

/**
 * The same operations on `threads` worker threads (crypto/jose-worker.ts), via piscina. Private
 * keys cross to the threads as JWKs, inside the process. A refusal comes back as the same Refusal.
 */
export function joseOnThreads(threads: number): Jose {
  const here = fileURLToPath(import.meta.url);
  const typescript = here.endsWith('.ts');
  const pool = new Piscina<JoseTask, JoseResult>({
    filename: path.join(path.dirname(here), `jose-worker${typescript ? '.ts' : '.js'}`),
    minThreads: threads,
    maxThreads: threads,
    // Run from TypeScript (development, tests), a thread needs the same loader as the node.
    execArgv: typescript ? ['--import', 'tsx'] : [],
  });
  const run = async (task: JoseTask): Promise<unknown> => {
    const result = await pool.run(task);
    if ('refused' in result) throw new Refusal(result.refused.code, result.refused.detail);
    return result.ok;
  };
  const privateJwk = jwkCache((key: jose.JWK.Key) => key.toJSON(true) as PublicJwk);
  const publicJwk = jwkCache((key: jose.JWK.Key) => key.toJSON() as PublicJwk);
  const jwksOf = jwkCache((store: jose.JWK.KeyStore) => (store.toJSON(true) as { keys: PublicJwk[] }).keys);
  return {
    sign: async (key, body) => (await run({ op: 'sign', jwk: privateJwk(key.key), body })) as string,
    verify: async (key, jws) => parseVerified((await run({ op: 'verify', jwk: publicJwk(key), jws })) as string),
    encrypt: async (key, jws) => (await run({ op: 'encrypt', jwk: publicJwk(key), jws })) as string,
    decrypt: async (store, text) => (await run({ op: 'decrypt', jwks: jwksOf(store), text })) as string,
    completedOnThreads: () => pool.completed,
    close: () => pool.destroy(),
  };
}
