// One thread of the JOSE pool (crypto/jose-threads.ts): node-jose's sign, verify, encrypt and
// decrypt, the same functions the node runs inline without a pool. Keys come as JWKs and are
// imported once per thread; a refusal goes back as its code and detail (a Refusal instance does
// not cross threads).
import jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import { sign, verifiedPayload, type PublicJwk } from './jws.ts';
import { decryptWith, encryptTo } from './jwe.ts';

export type JoseTask =
  | { op: 'sign'; jwk: PublicJwk; body: object }
  | { op: 'verify'; jwk: PublicJwk; jws: string }
  | { op: 'encrypt'; jwk: PublicJwk; jws: string }
  | { op: 'decrypt'; jwks: PublicJwk[]; text: string };

export type JoseResult = { ok: unknown } | { refused: { code: Refusal['code']; detail?: string } };

/** Imported keys by their JWK text; a node has a handful (its own, its partners'), so the bound is generous. */
const imported = new Map<string, Promise<jose.JWK.Key>>();
const stores = new Map<string, Promise<jose.JWK.KeyStore>>();
const bound = 1000;

function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= bound) cache.delete(cache.keys().next().value!);
    cache.set(key, (value = make()));
  }
  return value;
}

const keyOf = (jwk: PublicJwk) => remember(imported, JSON.stringify(jwk), () => jose.JWK.asKey(jwk));
const storeOf = (jwks: PublicJwk[]) => remember(stores, JSON.stringify(jwks), () => jose.JWK.asKeyStore({ keys: jwks }));

export default async function run(task: JoseTask): Promise<JoseResult> {
  try {
    switch (task.op) {
      case 'sign': {
        const key = await keyOf(task.jwk);
        return { ok: await sign({ kid: key.kid, key, publicJwk: task.jwk }, task.body) };
      }
      case 'verify':
        // The text, parsed by the caller: a deeply nested object would not survive the copy between
        // threads, and the inbound pipeline must see it to refuse it as body_too_complex.
        return { ok: await verifiedPayload(await keyOf(task.jwk), task.jws) };
      case 'encrypt':
        return { ok: await encryptTo(await keyOf(task.jwk), task.jws) };
      case 'decrypt':
        return { ok: await decryptWith(await storeOf(task.jwks), task.text) };
    }
  } catch (error) {
    if (error instanceof Refusal) return { refused: { code: error.code, detail: error.detail } };
    throw error;
  }
}
