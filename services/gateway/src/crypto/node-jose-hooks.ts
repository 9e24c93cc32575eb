// node-jose stays the project's JOSE library: it builds and parses every JWS and JWE, picks the
// algorithms and holds the keys. Two of its internals are pointed at node:crypto here, because they
// were most of its cost per message (docs/ARCHITECTURE.md, "Throughput: where a message's time goes"):
//
// - ES256 keys. For every signature and every verification node-jose writes the JWK out as a PEM
//   text (node-forge ASN.1) and OpenSSL parses it again: about 0.4 of the 0.5 ms a signature took.
//   Here each key is converted once and kept as a KeyObject, which node:crypto's Sign and Verify take
//   as well as a PEM (node-jose already keeps RSA keys this way). node-jose's key objects never
//   change after they are made, so the conversion cannot go stale.
// - Random bytes (content-encryption keys, IVs). node-jose draws them from node-forge's PRNG, an
//   AES/SHA-256 generator written in JavaScript; here they come from node:crypto.randomBytes.
//
// Both are read from node-jose 2.2.0 (pinned in package.json). If an upgrade moves them, importing
// this module fails instead of the node running on slowly; test/unit/node-jose-hooks.test.ts checks
// that node-jose's ES256 path goes through the kept keys and its encryption draws nothing from forge.
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

type JoseEcKey = object;
interface EcUtil {
  convertToPEM(key: JoseEcKey, isPrivate: boolean): string | KeyObject;
}
interface JoseUtil {
  randomBytes(length: number): Buffer;
}

const require = createRequire(import.meta.url);
const ecUtil = require('node-jose/lib/algorithms/ec-util.js') as EcUtil;
const joseUtil = require('node-jose/lib/util/index.js') as JoseUtil;
const hooked = Symbol.for('kommunebro.node-jose-hooks');

if (typeof ecUtil.convertToPEM !== 'function' || typeof joseUtil.randomBytes !== 'function') {
  throw new Error('node-jose changed: lib/algorithms/ec-util.js convertToPEM or lib/util randomBytes is gone (see crypto/node-jose-hooks.ts)');
}

interface Hooks {
  /** PEM texts node-jose's ES256 path built: one per key and side. */
  conversions: number;
}

// Installed once per process, even when this module is loaded again (test runners reload modules,
// node-jose's CommonJS modules stay).
const installed = (ecUtil as { [hooked]?: Hooks })[hooked] ?? install();

function install(): Hooks {
  const hooks: Hooks = { conversions: 0 };
  const toPem = ecUtil.convertToPEM;
  const kept = { private: new WeakMap<JoseEcKey, KeyObject>(), public: new WeakMap<JoseEcKey, KeyObject>() };
  ecUtil.convertToPEM = (key, isPrivate) => {
    const side = isPrivate ? kept.private : kept.public;
    let keyObject = side.get(key);
    if (!keyObject) {
      const pem = toPem(key, isPrivate) as string;
      keyObject = isPrivate ? createPrivateKey(pem) : createPublicKey(pem);
      side.set(key, keyObject);
      hooks.conversions += 1;
    }
    return keyObject;
  };
  joseUtil.randomBytes = (length) => randomBytes(length);
  Object.defineProperty(ecUtil, hooked, { value: hooks });
  return hooks;
}

/** How many ES256 keys node-jose has converted so far (for the tests). */
export function keyConversions(): number {
  return installed.conversions;
}
