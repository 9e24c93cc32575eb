import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import { generateSigningKey, loadOrCreateSigningKey, type PublicJwk, type SigningKey } from './jws.ts';

const nextKeyFile = 'next-signing-key.json';
const nextMetaFile = 'next.json';

async function readKey(file: string): Promise<SigningKey> {
  const key = await jose.JWK.asKey(JSON.parse(readFileSync(file, 'utf8')));
  return { kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk };
}

/**
 * The node's own signing keys in its key folder: the current one, and after a rotation the next
 * one with the moment it takes over. Until then the node signs with the current key; partners
 * have both during the overlap. Private key files are readable by the owner only.
 */
export class OwnKeys {
  private constructor(
    private readonly dir: string,
    private readonly municipality: string,
    private current: SigningKey,
    private next: { key: SigningKey; validFrom: Date } | undefined,
    private previous: SigningKey | undefined,
  ) {}

  static async load(dir: string, municipality: string): Promise<OwnKeys> {
    const current = await loadOrCreateSigningKey(dir, municipality);
    let next: { key: SigningKey; validFrom: Date } | undefined;
    if (existsSync(path.join(dir, nextKeyFile))) {
      const meta = JSON.parse(readFileSync(path.join(dir, nextMetaFile), 'utf8')) as { validFrom: string };
      next = { key: await readKey(path.join(dir, nextKeyFile)), validFrom: new Date(meta.validFrom) };
    }
    return new OwnKeys(dir, municipality, current, next, undefined);
  }

  /** The key to sign with now; the next key takes over once its time has come. */
  signingKey(now: Date): SigningKey {
    if (this.next && now.getTime() >= this.next.validFrom.getTime()) this.promote();
    return this.current;
  }

  private promote(): void {
    const next = this.next!;
    mkdirSync(path.join(this.dir, 'retired'), { recursive: true, mode: 0o700 });
    renameSync(path.join(this.dir, 'signing-key.json'), path.join(this.dir, 'retired', `${this.current.kid}.json`));
    renameSync(path.join(this.dir, nextKeyFile), path.join(this.dir, 'signing-key.json'));
    rmSync(path.join(this.dir, nextMetaFile), { force: true });
    this.previous = this.current;
    this.current = next.key;
    this.next = undefined;
  }

  /** Makes the next key, to take over at validFrom. */
  async prepareNext(validFrom: Date): Promise<SigningKey> {
    if (this.next) throw new Error(`a rotation to ${this.next.key.kid} is already under way`);
    const key = await generateSigningKey(this.municipality);
    writeFileSync(path.join(this.dir, nextKeyFile), JSON.stringify(key.toJSON(true)), { mode: 0o600 });
    writeFileSync(path.join(this.dir, nextMetaFile), JSON.stringify({ validFrom: validFrom.toISOString() }), { mode: 0o600 });
    this.next = { key: { kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk }, validFrom };
    return this.next.key;
  }

  status(): { current: string; next?: { kid: string; validFrom: string }; previous?: string } {
    return {
      current: this.current.kid,
      ...(this.next ? { next: { kid: this.next.key.kid, validFrom: this.next.validFrom.toISOString() } } : {}),
      ...(this.previous ? { previous: this.previous.kid } : {}),
    };
  }

  /**
   * One of our public keys by kid, with its place in our rotation: current, next, or retired (kept in
   * the key folder's retired/ after a rotation). Evidence of what we signed needs the key of the day.
   */
  async publicKey(kid: string): Promise<{ jwk: PublicJwk; state: 'current' | 'next' | 'retired' } | undefined> {
    if (kid === this.current.kid) return { jwk: this.current.publicJwk, state: 'current' };
    if (kid === this.next?.key.kid) return { jwk: this.next.key.publicJwk, state: 'next' };
    const file = path.join(this.dir, 'retired', `${kid}.json`);
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(kid) || !existsSync(file)) return undefined;
    return { jwk: (await readKey(file)).publicJwk, state: 'retired' };
  }

  /** The same key, to verify with: the node's own checkpoints, whichever key was current when each was signed. */
  async ownKey(kid: string): Promise<jose.JWK.Key | undefined> {
    const own = await this.publicKey(kid);
    return own ? jose.JWK.asKey(own.jwk) : undefined;
  }

  /** Current, next and the one just replaced: what partners may meet during an overlap. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [this.current, this.next?.key, this.previous].filter((k): k is SigningKey => k !== undefined).map((k) => k.publicJwk) };
  }
}
