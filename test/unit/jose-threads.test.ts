import jose from 'node-jose';
import { afterAll, describe, expect, it } from 'vitest';
import { joseOnThreads } from '../../services/gateway/src/crypto/jose-threads.ts';
import { generateSigningKey, sign, type PublicJwk } from '../../services/gateway/src/crypto/jws.ts';
import { encryptTo, generateEncryptionKey } from '../../services/gateway/src/crypto/jwe.ts';
import { assertWithinLimits } from '../../services/gateway/src/domain/input-limits.ts';

// node-jose on worker threads (KB_JOSE_THREADS) must answer as it does inline: the same results and
// the same refusals, whatever the payload.
describe('node-jose on worker threads', () => {
  const threads = joseOnThreads(1);
  afterAll(() => threads.close());

  const keys = async () => {
    const signing = await generateSigningKey('101');
    const encryption = await generateEncryptionKey('165');
    const store = jose.JWK.createKeyStore();
    await store.add(encryption.toJSON(true));
    return {
      signing: { kid: signing.kid, key: signing, publicJwk: signing.toJSON() as PublicJwk },
      verifying: await jose.JWK.asKey(signing.toJSON()),
      recipient: await jose.JWK.asKey(encryption.toJSON()),
      store,
    };
  };

  it('when a message is signed, encrypted, decrypted and verified on the threads, then the claims come back as sent', async () => {
    const k = await keys();
    const claims = { id: 'x', payload: { text: 'Hovedbanegården' } };
    const jws = await threads.sign(k.signing, claims);
    expect(await threads.verify(k.verifying, await threads.decrypt(k.store, await threads.encrypt(k.recipient, jws)))).toEqual(claims);
    expect(threads.completedOnThreads()).toBeGreaterThanOrEqual(4);
  });

  it('when the signature or the ciphertext was changed, then the same refusal codes come back as inline', async () => {
    const k = await keys();
    const jws = await sign(k.signing, { id: 'y' });
    const [header, payload, signature] = jws.split('.');
    const tampered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    await expect(threads.verify(k.verifying, tampered)).rejects.toMatchObject({ code: 'signature_invalid' });
    const jwe = (await encryptTo(k.recipient, jws)).split('.');
    jwe[3] = `${jwe[3]!.startsWith('A') ? 'B' : 'A'}${jwe[3]!.slice(1)}`;
    await expect(threads.decrypt(k.store, jwe.join('.'))).rejects.toMatchObject({ code: 'decryption_failed' });
  });

  it('when a verified payload is nested too deeply to copy between threads, then it still reaches the depth check and is refused as body_too_complex', async () => {
    const k = await keys();
    // Written as text: JSON.stringify itself would overflow the stack on it.
    const deep = `{"id":"z","payload":${'['.repeat(100_000)}"leaf"${']'.repeat(100_000)}}`;
    const signer = jose.JWS.createSign({ format: 'compact', alg: 'ES256', fields: { typ: 'kommunebro+jws' } }, { key: k.signing.key, reference: 'kid' } as unknown as jose.JWK.Key);
    const jws = (await signer.update(Buffer.from(deep)).final()) as unknown as string;
    const claims = await threads.verify(k.verifying, jws);
    expect(() => assertWithinLimits(claims)).toThrow(expect.objectContaining({ code: 'body_too_complex' }));
  });
});
