import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { municipalityName } from '../../gateway/src/config/municipalities.ts';
import { thumbprint } from '../../gateway/src/crypto/jws.ts';
import { OwnKeys } from '../../gateway/src/crypto/own-keys.ts';

/**
 * Makes (or loads) each node's signing and encryption keys under `<dir>/<code>/keys` and publishes
 * its public JWKS (both keys) to `<dir>/trust/<code>.jwks.json`, which each node imports at start as trusted.
 * This stands in for admins comparing thumbprints by phone before approving a partner's key.
 */
export async function prepareFederationKeys(dir: string, codes: string[], print = console.log, keyDirOf = (code: string) => path.join(dir, code, 'keys'), trustDir = path.join(dir, 'trust')): Promise<void> {
  mkdirSync(trustDir, { recursive: true });
  for (const code of codes) {
    const jwks = (await OwnKeys.load(keyDirOf(code), code)).jwks();
    writeFileSync(path.join(trustDir, `${code}.jwks.json`), JSON.stringify(jwks, null, 2));
    for (const key of jwks.keys) print(`  ${code} ${municipalityName(code).padEnd(12)} ${key.use === 'enc' ? 'encryption' : 'signing   '} key ${key.kid}  SHA-256 thumbprint ${await thumbprint(key)}`);
  }
  print('Public keys exchanged through the trust folder: this stands in for an admin comparing');
  print("thumbprints with each partner by phone before approving a partner's key.\n");
}

// As a command (docker-compose's key step): tsx services/federation/src/keys.ts
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const dir = path.resolve(process.env.KB_FEDERATION_DIR ?? 'data/federation');
  const codes = (process.env.KB_FEDERATION_NODES ?? '101,165,161,159,657').split(',').map((c) => c.trim());
  // docker-compose.yml: one key job per node, which sees only that node's key folder (KB_KEY_DIR).
  const keyDir = process.env.KB_KEY_DIR;
  if (keyDir && codes.length !== 1) {
    console.error('KB_KEY_DIR names one key folder: give KB_FEDERATION_NODES exactly one code');
    process.exit(2);
  }
  prepareFederationKeys(dir, codes, console.log, keyDir ? () => keyDir : undefined, process.env.KB_TRUST_DIR).catch((error) => {
    console.error(`Preparing keys failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
