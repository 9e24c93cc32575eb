import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jose from 'node-jose';
import { generateSigningKey, loadOrCreateSigningKey, type PublicJwk, type SigningKey } from './jws.ts';
import { encryptionKeyOf, generateEncryptionKey, loadOrCreateEncryptionKey, type EncryptionKey } from './jwe.ts';

const files = {
  signing: 'signing-key.json',
  encryption: 'encryption-key.json',
  nextSigning: 'next-signing-key.json',
  nextEncryption: 'next-encryption-key.json',
  nextMeta: 'next.json',
  retired: 'retired',
};

async function readKey(file: string): Promise<jose.JWK.Key> {
  return jose.JWK.asKey(JSON.parse(readFileSync(file, 'utf8')));
}

const signingKeyOf = (key: jose.JWK.Key): SigningKey => ({ kid: key.kid, key, publicJwk: key.toJSON() as PublicJwk });

/** A signing key and the encryption key that rotates with it. */
export interface OwnKeyPair {
  signing: SigningKey;
  encryption: EncryptionKey;
}

/**
 * The node's own keys in its key folder: a signing key and an encryption key, and after a rotation
 * the next pair with the moment it takes over. Until then the node signs with the current key;
 * partners have both during the overlap. It decrypts with every encryption key it still holds
 * (current, next, and those retired into `retired/`), so a message encrypted to the old key while
 * partners switch over, or dead-lettered and replayed later, still opens; deleting a retired file
 * ends that. Private key files are readable by the owner only.
 */
export class OwnKeys {
  private decryption?: Promise<jose.JWK.KeyStore>;

  private constructor(
    private readonly dir: string,
    private readonly municipality: string,
    private current: OwnKeyPair,
    private next: { keys: { signing: SigningKey; encryption?: EncryptionKey }; validFrom: Date } | undefined,
    private previous: Partial<OwnKeyPair> | undefined,
    private readonly retiredEncryption: EncryptionKey[],
  ) {}

  static async load(dir: string, municipality: string): Promise<OwnKeys> {
    const current = { signing: await loadOrCreateSigningKey(dir, municipality), encryption: await loadOrCreateEncryptionKey(dir, municipality) };
    let next: OwnKeys['next'];
    if (existsSync(path.join(dir, files.nextSigning))) {
      const meta = JSON.parse(readFileSync(path.join(dir, files.nextMeta), 'utf8')) as { validFrom: string };
      const encryptionFile = path.join(dir, files.nextEncryption);
      next = {
        keys: {
          signing: signingKeyOf(await readKey(path.join(dir, files.nextSigning))),
          // A rotation begun before nodes had encryption keys has no next encryption key.
          ...(existsSync(encryptionFile) ? { encryption: encryptionKeyOf(await readKey(encryptionFile)) } : {}),
        },
        validFrom: new Date(meta.validFrom),
      };
    }
    const retiredDir = path.join(dir, files.retired);
    const retired: EncryptionKey[] = [];
    if (existsSync(retiredDir)) {
      for (const file of readdirSync(retiredDir).filter((f) => f.startsWith(`${municipality}-enc-`) && f.endsWith('.json'))) {
        retired.push(encryptionKeyOf(await readKey(path.join(retiredDir, file))));
      }
    }
    return new OwnKeys(dir, municipality, current, next, undefined, retired);
  }

  /** The key to sign with now; the next key takes over once its time has come. */
  signingKey(now: Date): SigningKey {
    if (this.next && now.getTime() >= this.next.validFrom.getTime()) this.promote();
    return this.current.signing;
  }

  private promote(): void {
    const next = this.next!;
    const retiredDir = path.join(this.dir, files.retired);
    mkdirSync(retiredDir, { recursive: true, mode: 0o700 });
    renameSync(path.join(this.dir, files.signing), path.join(retiredDir, `${this.current.signing.kid}.json`));
    renameSync(path.join(this.dir, files.nextSigning), path.join(this.dir, files.signing));
    this.previous = { signing: this.current.signing };
    if (next.keys.encryption) {
      renameSync(path.join(this.dir, files.encryption), path.join(retiredDir, `${this.current.encryption.kid}.json`));
      renameSync(path.join(this.dir, files.nextEncryption), path.join(this.dir, files.encryption));
      this.retiredEncryption.push(this.current.encryption);
      this.previous.encryption = this.current.encryption;
    }
    rmSync(path.join(this.dir, files.nextMeta), { force: true });
    this.current = { signing: next.keys.signing, encryption: next.keys.encryption ?? this.current.encryption };
    this.next = undefined;
  }

  /** The encryption key partners are to encrypt to now (until the next one is announced). */
  encryptionKey(): EncryptionKey {
    return this.current.encryption;
  }

  /** Makes the next signing and encryption keys, to take over at validFrom. */
  async prepareNext(validFrom: Date): Promise<OwnKeyPair> {
    if (this.next) throw new Error(`a rotation to ${this.next.keys.signing.kid} is already under way`);
    const signing = await generateSigningKey(this.municipality);
    const encryption = await generateEncryptionKey(this.municipality);
    writeFileSync(path.join(this.dir, files.nextSigning), JSON.stringify(signing.toJSON(true)), { mode: 0o600 });
    writeFileSync(path.join(this.dir, files.nextEncryption), JSON.stringify(encryption.toJSON(true)), { mode: 0o600 });
    writeFileSync(path.join(this.dir, files.nextMeta), JSON.stringify({ validFrom: validFrom.toISOString() }), { mode: 0o600 });
    const keys = { signing: signingKeyOf(signing), encryption: encryptionKeyOf(encryption) };
    this.next = { keys, validFrom };
    this.decryption = undefined;
    return keys;
  }

  /** Every private encryption key this node holds: what an inbound JWE may be encrypted to. */
  decryptionKeys(): Promise<jose.JWK.KeyStore> {
    this.decryption ??= (async () => {
      const store = jose.JWK.createKeyStore();
      const keys = [this.current.encryption, this.next?.keys.encryption, ...this.retiredEncryption];
      for (const k of keys) if (k) await store.add(k.key);
      return store;
    })();
    return this.decryption;
  }

  status(): { current: string; next?: { kid: string; validFrom: string }; previous?: string; encryption: { current: string; next?: string } } {
    return {
      current: this.current.signing.kid,
      ...(this.next ? { next: { kid: this.next.keys.signing.kid, validFrom: this.next.validFrom.toISOString() } } : {}),
      ...(this.previous?.signing ? { previous: this.previous.signing.kid } : {}),
      encryption: { current: this.current.encryption.kid, ...(this.next?.keys.encryption ? { next: this.next.keys.encryption.kid } : {}) },
    };
  }

  /**
   * One of our public signing keys by kid, with its place in our rotation: current, next, or retired
   * (kept in the key folder's retired/ after a rotation). Evidence of what we signed needs the key of the day.
   */
  async publicKey(kid: string): Promise<{ jwk: PublicJwk; state: 'current' | 'next' | 'retired' } | undefined> {
    if (kid === this.current.signing.kid) return { jwk: this.current.signing.publicJwk, state: 'current' };
    if (kid === this.next?.keys.signing.kid) return { jwk: this.next.keys.signing.publicJwk, state: 'next' };
    const file = path.join(this.dir, files.retired, `${kid}.json`);
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(kid) || kid.startsWith(`${this.municipality}-enc-`) || !existsSync(file)) return undefined;
    return { jwk: signingKeyOf(await readKey(file)).publicJwk, state: 'retired' };
  }

  /** The same key, to verify with: the node's own checkpoints, whichever key was current when each was signed. */
  async ownKey(kid: string): Promise<jose.JWK.Key | undefined> {
    const own = await this.publicKey(kid);
    return own ? jose.JWK.asKey(own.jwk) : undefined;
  }

  /** Current, next and the ones just replaced, signing and encryption: what partners may meet during an overlap. */
  jwks(): { keys: PublicJwk[] } {
    const keys = [this.current.signing, this.next?.keys.signing, this.previous?.signing, this.current.encryption, this.next?.keys.encryption, this.previous?.encryption];
    return { keys: keys.filter((k) => k !== undefined).map((k) => k.publicJwk) };
  }
}
