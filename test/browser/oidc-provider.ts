import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
// oidc-provider ships no types; only its constructor and callback are used here.
// @ts-expect-error no declaration file
import Provider from 'oidc-provider';

export interface TestAccount {
  name: string;
  groups: string[];
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on a loopback port, with its own
 * signing key, one confidential client that must use PKCE, and a `groups` claim per account.
 * Its development login form stands in for the municipality's login page: any password works.
 */
export async function startOidcProvider(port: number, client: { id: string; secret: string; redirectUri: string }, accounts: Record<string, TestAccount>) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-idp', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    clients: [{ client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: true } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, name: accounts[id]?.name ?? id, groups: accounts[id]?.groups ?? [] }),
    }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return { issuer, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
