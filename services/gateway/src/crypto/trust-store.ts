import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import type { KeyRepository, KeyStatus } from '../data/keys.ts';
import type { AuditRepository } from '../data/audit.ts';
import { thumbprint, type PublicJwk } from './jws.ts';

/**
 * Partner public keys. A key verifies only messages of its own municipality and only while
 * active: node-jose would otherwise verify with any key in a shared keystore that matches the kid.
 */
export class TrustStore {
  // Keys change only through this store (import now, admin actions later), which clears the cache.
  private readonly cache = new Map<string, { municipality: string; status: string; key: jose.JWK.Key }>();

  constructor(
    private readonly keys: KeyRepository,
    private readonly audit: AuditRepository,
  ) {}

  async keyFor(kid: string, claimedMunicipality: unknown): Promise<jose.JWK.Key> {
    let entry = this.cache.get(kid);
    if (!entry) {
      const record = await this.keys.find(kid);
      if (!record) throw new Refusal('key_unknown', `kid ${kid}`);
      entry = { municipality: record.municipality, status: record.status, key: await jose.JWK.asKey(record.jwk) };
      this.cache.set(kid, entry);
    }
    if (entry.municipality !== claimedMunicipality) {
      throw new Refusal('key_wrong_municipality', `kid ${kid} belongs to ${entry.municipality}`);
    }
    if (entry.status !== 'active') throw new Refusal('key_not_active', `kid ${kid} is ${entry.status}`);
    return entry.key;
  }

  /** Imports every key of a JWKS; returns the kids that were new. */
  async importJwks(municipality: string, jwks: { keys?: unknown }, status: KeyStatus, source: string): Promise<string[]> {
    if (!Array.isArray(jwks.keys)) throw new Error(`${source} is not a JWKS (no "keys" array)`);
    const created: string[] = [];
    for (const candidate of jwks.keys as PublicJwk[]) {
      if (candidate.kty !== 'EC' || candidate.crv !== 'P-256' || 'd' in candidate) {
        throw new Error(`${source}: key ${String(candidate.kid)} is not a public P-256 key`);
      }
      if (typeof candidate.kid !== 'string' || !candidate.kid) throw new Error(`${source}: a key has no kid`);
      const { kid, kty, crv, x, y } = candidate;
      const jwk = { kid, kty, crv, x, y, alg: 'ES256', use: 'sig' };
      const outcome = await this.keys.importKey({ kid, municipality, jwk, thumbprint: await thumbprint(jwk), source }, status);
      if (outcome === 'created') {
        created.push(kid);
        await this.audit.record({ actor: source, action: 'key.import', outcome: 'done', detail: { kid, municipality, status, thumbprint: await thumbprint(jwk) } });
      }
      this.cache.delete(kid);
    }
    return created;
  }

  /** Files named `<code>.jwks.json`: the local federation's stand-in for an admin's key check. */
  async importDirectory(dir: string): Promise<string[]> {
    const created: string[] = [];
    for (const file of readdirSync(dir).filter((f) => /^\d{3}\.jwks\.json$/.test(f)).sort()) {
      const municipality = file.slice(0, 3);
      const jwks = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      created.push(...(await this.importJwks(municipality, jwks, 'active', `file ${file}`)));
    }
    return created;
  }
}
