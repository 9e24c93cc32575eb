import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import { Refusal } from '../domain/errors.ts';
import type { KeyRepository, KeyStatus, PartnerKeyRecord } from '../data/keys.ts';
import type { AuditRepository } from '../data/audit.ts';
import type { MessageRepository } from '../data/messages.ts';
import { thumbprint, type PublicJwk } from './jws.ts';

/** SHA-256 of the RFC 7638 form, first 20 bytes as 10 groups of 4 hex digits: easy to read out on the phone. */
export async function phoneFingerprint(jwk: object): Promise<string> {
  const key = await jose.JWK.asKey(jwk);
  const hex = Buffer.from(await key.thumbprint('SHA-256')).toString('hex').toUpperCase().slice(0, 40);
  return hex.match(/.{4}/g)!.join(' ');
}

export interface KeyView {
  kid: string;
  municipality: string;
  status: KeyStatus;
  thumbprint: string;
  fingerprint: string;
  source: string;
  reason: string | null;
  replacesKid: string | null;
  validFrom: string | null;
  retireAt: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export async function keyView(k: PartnerKeyRecord): Promise<KeyView> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    kid: k.kid,
    municipality: k.municipality,
    status: k.status,
    thumbprint: k.thumbprint,
    fingerprint: await phoneFingerprint(k.jwk),
    source: k.source,
    reason: k.reason,
    replacesKid: k.replacesKid,
    validFrom: iso(k.validFrom),
    retireAt: iso(k.retireAt),
    expiresAt: iso(k.expiresAt),
    createdAt: k.createdAt.toISOString(),
  };
}

function publicP256(candidate: PublicJwk, source: string) {
  if (candidate.kty !== 'EC' || candidate.crv !== 'P-256' || 'd' in candidate) {
    throw new Refusal('key_invalid', `${source}: key ${String(candidate.kid)} is not a public P-256 key`);
  }
  if (typeof candidate.kid !== 'string' || !candidate.kid) throw new Refusal('key_invalid', `${source}: a key has no kid`);
  const { kid, kty, crv, x, y } = candidate;
  return { kid, kty, crv, x, y, alg: 'ES256', use: 'sig' };
}

/**
 * Partner public keys. A key verifies only messages of its own municipality and only while
 * active: node-jose would otherwise verify with any key in a shared keystore that matches the kid.
 * Every change is audited.
 */
export class TrustStore {
  // Keys change only through this store, which clears the cache on every change.
  private readonly cache = new Map<string, { municipality: string; status: string; key: jose.JWK.Key }>();

  constructor(
    private readonly keys: KeyRepository,
    private readonly audit: AuditRepository,
    private readonly messages?: MessageRepository,
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
  async importJwks(
    municipality: string,
    jwks: { keys?: unknown },
    status: KeyStatus,
    source: string,
    extra: { replacesKid?: string; validFrom?: Date; expiresAt?: Date } = {},
  ): Promise<string[]> {
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Refusal('key_invalid', `${source} holds no keys`);
    const created: string[] = [];
    for (const candidate of jwks.keys as PublicJwk[]) {
      const jwk = publicP256(candidate, source);
      if (!jwk.kid.startsWith(`${municipality}-`)) throw new Refusal('key_invalid', `kid ${jwk.kid} does not name municipality ${municipality}`);
      const print = await thumbprint(jwk);
      let outcome;
      try {
        outcome = await this.keys.importKey({ kid: jwk.kid, municipality, jwk, thumbprint: print, source, ...extra }, status);
      } catch (error) {
        throw new Refusal('key_invalid', (error as Error).message);
      }
      this.cache.delete(jwk.kid);
      if (outcome === 'created') {
        created.push(jwk.kid);
        await this.audit.record({ actor: source, action: 'key.import', outcome: 'done', detail: { kid: jwk.kid, municipality, status, thumbprint: print } });
      }
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

  private async change(kid: string, actor: string, action: string, fields: Parameters<KeyRepository['update']>[1], detail: Record<string, unknown> = {}): Promise<PartnerKeyRecord> {
    const updated = await this.keys.update(kid, fields);
    this.cache.delete(kid);
    await this.audit.record({ actor, action, outcome: 'done', detail: { kid, municipality: updated.municipality, status: updated.status, ...detail } });
    return updated;
  }

  private async existing(kid: string): Promise<PartnerKeyRecord> {
    const key = await this.keys.find(kid);
    if (!key) throw new Refusal('not_found', `no key ${kid}`);
    return key;
  }

  /** pending → active. A rotated-in key schedules the key it replaces for retirement after the overlap. */
  async approve(kid: string, actor: string, overlapMs: number, now: Date): Promise<PartnerKeyRecord> {
    const key = await this.existing(kid);
    if (key.status !== 'pending' && key.status !== 'pending-rotation') throw new Refusal('key_state_forbids', `key ${kid} is ${key.status}`);
    const approved = await this.change(kid, actor, 'key.approve', { status: 'active' });
    if (key.replacesKid) {
      const old = await this.keys.find(key.replacesKid);
      if (old?.status === 'active') {
        const from = Math.max(now.getTime(), key.validFrom?.getTime() ?? now.getTime());
        await this.change(old.kid, actor, 'key.schedule-retirement', { retireAt: new Date(from + overlapMs) }, { replacedBy: kid });
      }
    }
    return approved;
  }

  /** Refused from this moment; messages it verified before stay, flagged. */
  async revoke(kid: string, reason: string, actor: string): Promise<PartnerKeyRecord> {
    const key = await this.existing(kid);
    if (key.status === 'revoked') throw new Refusal('key_state_forbids', `key ${kid} is already revoked`);
    const revoked = await this.change(kid, actor, 'key.revoke', { status: 'revoked', reason });
    const flagged = (await this.messages?.flagRevokedKey(kid)) ?? 0;
    await this.audit.record({ actor, action: 'key.revoke.flag-messages', outcome: 'done', detail: { kid, messages: flagged } });
    return revoked;
  }

  /** A partner announced its next key, signed with its current one. */
  async acceptAnnouncement(
    from: string,
    announcement: { newKey: PublicJwk; validFrom: string; replacesKid: string },
    automatic: boolean,
    overlapMs: number,
    now: Date,
  ): Promise<'active' | 'pending-rotation' | 'known'> {
    const created = await this.importJwks(from, { keys: [announcement.newKey] }, 'pending-rotation', `announcement by ${from}`, {
      replacesKid: announcement.replacesKid,
      validFrom: new Date(announcement.validFrom),
    });
    if (created.length === 0) return 'known';
    if (!automatic) return 'pending-rotation';
    await this.approve(announcement.newKey.kid, `policy:automatic (${from})`, overlapMs, now);
    return 'active';
  }

  list(where: { municipality?: string; status?: KeyStatus } = {}): Promise<PartnerKeyRecord[]> {
    return this.keys.list(where);
  }

  /** Old keys whose overlap ended become retired. */
  async retireDue(now: Date): Promise<string[]> {
    const due = await this.keys.dueForRetirement(now);
    for (const key of due) await this.change(key.kid, 'key-watch', 'key.retire', { status: 'retired', reason: 'replaced by rotation' });
    return due.map((k) => k.kid);
  }
}
