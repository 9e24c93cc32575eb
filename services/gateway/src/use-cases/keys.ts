// Longer than 250 lines: the partner-key lifecycle (import, approve, rotate, retire, look-ups) is one class.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import { appendAudit, type AuditEvent } from '../data/audit.ts';
import type { Tx } from '../data/db.ts';
import { KeyRepository, type KeyStatus, type PartnerKeyRecord } from '../data/keys.ts';
import { thumbprint, type PublicJwk } from '../crypto/jws.ts';
import { phoneFingerprint, publicP256 } from '../crypto/keys.ts';
import { municipalityNames } from '../config/municipalities.ts';
import type { Caller, Parts } from '../parts.ts';

export { phoneFingerprint };

interface LifecycleParts {
  keys: KeyRepository;
  record: (event: AuditEvent) => Promise<void>;
  /** Flags inbound messages verified with a key that is being revoked; returns how many. */
  flagRevokedKey?: (kid: string) => Promise<number>;
}

type CacheEntry = { municipality: string; status: string; use: string; key: jose.JWK.Key };

/** Cache entry of the encryption key a municipality's messages go to; cleared with any change of its keys. */
const encryptionEntry = (municipality: string) => `encrypt-to:${municipality}`;
const useOf = (jwk: Record<string, unknown>) => (jwk.use === 'enc' ? 'enc' : 'sig');

export interface KeyView {
  kid: string;
  municipality: string;
  /** sig: verifies its messages; enc: what messages to it are encrypted to. */
  use: 'sig' | 'enc';
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
    use: useOf(k.jwk),
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

/**
 * The life of partner keys: import (pending), approve, revoke, retire, announcements of rotation;
 * and the look-up of the key that verifies a message. A key verifies only messages of its own
 * municipality and only while active: node-jose would otherwise verify with any key in a shared
 * keystore that matches the kid. Every change is audited.
 */
export class KeyLifecycle {
  private readonly keys: KeyRepository;
  private readonly audit: { record: (event: AuditEvent) => Promise<void> };
  private readonly messages?: { flagRevokedKey: (kid: string) => Promise<number> };

  constructor(
    parts: LifecycleParts,
    // Keys change only through this class, which clears the shared cache on every change.
    private readonly cache = new Map<string, CacheEntry>(),
  ) {
    this.keys = parts.keys;
    this.audit = { record: parts.record };
    if (parts.flagRevokedKey) this.messages = { flagRevokedKey: parts.flagRevokedKey };
  }

  /** The same lifecycle inside a transaction: what it changes commits with the message that caused it. */
  within(tx: Tx): KeyLifecycle {
    return new KeyLifecycle({ keys: new KeyRepository(tx), record: (event) => appendAudit(tx, event) }, this.cache);
  }

  async keyFor(kid: string, claimedMunicipality: unknown): Promise<jose.JWK.Key> {
    let entry = this.cache.get(kid);
    if (!entry) {
      const record = await this.keys.find(kid);
      if (!record) throw new Refusal('key_unknown', `kid ${kid}`);
      entry = { municipality: record.municipality, status: record.status, use: useOf(record.jwk), key: await jose.JWK.asKey(record.jwk) };
      this.cache.set(kid, entry);
    }
    if (entry.municipality !== claimedMunicipality) {
      throw new Refusal('key_wrong_municipality', `kid ${kid} belongs to ${entry.municipality}`);
    }
    if (entry.use !== 'sig') throw new Refusal('key_invalid', `kid ${kid} is an encryption key, not a signing key`);
    if (entry.status !== 'active') throw new Refusal('key_not_active', `kid ${kid} is ${entry.status}`);
    return entry.key;
  }

  /**
   * The key messages to a municipality are encrypted to: its newest active encryption key. A
   * rotated-in key is newer, and its owner holds the private half from the moment it announced it.
   */
  async encryptionKeyFor(municipality: string): Promise<jose.JWK.Key> {
    let entry = this.cache.get(encryptionEntry(municipality));
    if (!entry) {
      const newest = (await this.keys.list({ municipality, status: 'active' })).filter((k) => useOf(k.jwk) === 'enc').at(-1);
      if (!newest) throw new Refusal('recipient_key_missing', `no active encryption key of ${municipality}`);
      entry = { municipality, status: newest.status, use: 'enc', key: await jose.JWK.asKey(newest.jwk) };
      this.cache.set(encryptionEntry(municipality), entry);
    }
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
      // `<code>-enc-…` is an encryption key and nothing else, so a kid alone says what a key is for.
      if (jwk.kid.startsWith(`${municipality}-enc-`) !== (jwk.use === 'enc')) throw new Refusal('key_invalid', `kid ${jwk.kid}: only an encryption key (use enc) has a kid ${municipality}-enc-…`);
      const print = await thumbprint(jwk);
      let outcome;
      try {
        outcome = await this.keys.importKey({ kid: jwk.kid, municipality, jwk, thumbprint: print, source, ...extra }, status);
      } catch (error) {
        throw new Refusal('key_invalid', (error as Error).message);
      }
      this.cache.delete(jwk.kid);
      this.cache.delete(encryptionEntry(municipality));
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
    this.cache.delete(encryptionEntry(updated.municipality));
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

  /** A partner announced its next signing and encryption keys, signed with its current signing key. */
  async acceptAnnouncement(
    from: string,
    announcement: { newKey: PublicJwk; newEncryptionKey: PublicJwk; validFrom: string; replacesKid: string; replacesEncryptionKid: string },
    automatic: boolean,
    overlapMs: number,
    now: Date,
  ): Promise<'active' | 'pending-rotation' | 'known'> {
    const validFrom = new Date(announcement.validFrom);
    const source = `announcement by ${from}`;
    const created = [
      ...(await this.importJwks(from, { keys: [announcement.newKey] }, 'pending-rotation', source, { replacesKid: announcement.replacesKid, validFrom })),
      ...(await this.importJwks(from, { keys: [announcement.newEncryptionKey] }, 'pending-rotation', source, { replacesKid: announcement.replacesEncryptionKid, validFrom })),
    ];
    if (created.length === 0) return 'known';
    if (!automatic) return 'pending-rotation';
    for (const kid of created) await this.approve(kid, `policy:automatic (${from})`, overlapMs, now);
    return 'active';
  }

  find(kid: string): Promise<PartnerKeyRecord | null> {
    return this.keys.find(kid);
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

type KeyDeps = Pick<Parts, 'municipality' | 'trust' | 'ownKeys' | 'settings' | 'now'>;

/** The node's own signing and encryption keys with their read-aloud fingerprints, and every partner key. */
export async function listKeys(deps: KeyDeps) {
  const partners = await Promise.all((await deps.trust.list()).map(keyView));
  const own = deps.ownKeys.signingKey(deps.now());
  const status = deps.ownKeys.status();
  const encryption = { ...status.encryption, fingerprint: await phoneFingerprint(deps.ownKeys.encryptionKey().publicJwk) };
  return { own: { ...status, encryption, fingerprint: await phoneFingerprint(own.publicJwk) }, partners };
}

/** A partner's key (a JWK, or a JWKS) arrives pending; an admin approves it after comparing fingerprints. */
export async function importPartnerKey(deps: KeyDeps, caller: Caller, request: unknown): Promise<KeyView[]> {
  const body = (request ?? {}) as { municipality?: unknown; jwk?: object; jwks?: { keys?: unknown }; expiresAt?: unknown };
  if (typeof body.municipality !== 'string' || !municipalityNames.has(body.municipality)) throw new Refusal('schema_invalid', '/municipality: must be a municipality code', [{ pointer: '/municipality', message: 'must be a municipality code' }]);
  if (body.municipality === deps.municipality) throw new Refusal('key_invalid', "this node's own keys are not partner keys");
  const expiresAt = body.expiresAt === undefined ? undefined : new Date(typeof body.expiresAt === 'string' ? body.expiresAt : Number.NaN);
  if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new Refusal('schema_invalid', '/expiresAt: must be a date-time', [{ pointer: '/expiresAt', message: 'must be a date-time' }]);
  const jwks = body.jwks ?? (body.jwk ? { keys: [body.jwk] } : undefined);
  if (typeof jwks !== 'object' || jwks === null) throw new Refusal('key_invalid', 'jwks must be an object with keys');
  if (!jwks) throw new Refusal('schema_invalid', 'send jwk or jwks', [{ pointer: '/jwk', message: 'must have jwk or jwks' }]);
  const created = await deps.trust.importJwks(body.municipality, jwks, 'pending', `admin ${caller.subject}`, { expiresAt });
  return Promise.all((await deps.trust.list({ municipality: body.municipality })).filter((k) => created.includes(k.kid)).map(keyView));
}

export async function approveKey(deps: KeyDeps, caller: Caller, kid: string): Promise<KeyView> {
  return keyView(await deps.trust.approve(kid, caller.subject, deps.settings.keyOverlapMs, deps.now()));
}

export async function revokeKey(deps: KeyDeps, caller: Caller, kid: string, request: unknown): Promise<KeyView> {
  const reason = (request as { reason?: unknown } | undefined)?.reason;
  if (typeof reason !== 'string' || reason.trim().length === 0) throw new Refusal('schema_invalid', '/reason: a revocation needs a reason', [{ pointer: '/reason', message: 'is required' }]);
  return keyView(await deps.trust.revoke(kid, maskCpr(reason.slice(0, 500)), caller.subject));
}
