import * as client from 'openid-client';
import type { OidcConfig } from '../config/console.ts';
import type { Role } from '../config/index.ts';
import { roles } from '../config/index.ts';

export interface OidcIdentity {
  subject: string;
  name: string;
  role: Role;
}

/** Why a login failed, as the console explains it (its texts are in public/refusals.js). */
export class OidcLoginError extends Error {
  constructor(readonly reason: 'oidc_unavailable' | 'oidc_state' | 'oidc_failed' | 'oidc_no_role', message: string) {
    super(message);
  }
}

const loopback = (issuer: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(issuer).hostname);
const pendingMs = 10 * 60_000;

/**
 * Authorization code flow with PKCE (S256), state and nonce, through `openid-client`. A pending
 * login is kept here by its state; the browser holds the state in a short-lived cookie, so a
 * callback only completes in the browser that started it.
 */
export class OidcLogin {
  private configuration?: Promise<client.Configuration>;
  private readonly pending = new Map<string, { verifier: string; nonce: string; at: number }>();

  constructor(private readonly settings: OidcConfig) {}

  private discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // Plain http is allowed by config/console.ts only on the loopback address (tests).
    const options = loopback(issuer) && issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : undefined;
    this.configuration ??= client.discovery(new URL(issuer), clientId, clientSecret, undefined, options).catch((error) => {
      this.configuration = undefined;
      throw new OidcLoginError('oidc_unavailable', `discovery failed: ${(error as Error).message}`);
    });
    return this.configuration;
  }

  async start(): Promise<{ url: string; state: string }> {
    const config = await this.discover();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = Date.now();
    for (const [key, p] of this.pending) if (now - p.at > pendingMs) this.pending.delete(key);
    this.pending.set(state, { verifier, nonce, at: now });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  async finish(query: string, stateCookie: string | undefined): Promise<OidcIdentity> {
    const params = new URLSearchParams(query);
    const state = params.get('state') ?? '';
    const pending = this.pending.get(state);
    if (!stateCookie || stateCookie !== state || !pending || Date.now() - pending.at > pendingMs) {
      throw new OidcLoginError('oidc_state', 'the login was not started in this browser, or took too long');
    }
    this.pending.delete(state);
    const config = await this.discover();
    const current = new URL(this.settings.redirectUrl);
    current.search = params.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce });
      const idClaims = tokens.claims()!;
      // Providers often put profile and group claims only in the userinfo answer.
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims };
    } catch (error) {
      throw new OidcLoginError('oidc_failed', (error as Error).message);
    }
    const role = this.roleOf(claims);
    if (!role) throw new OidcLoginError('oidc_no_role', 'the identity has no role claim or group that maps to a role');
    const sub = String(claims.sub);
    return { subject: `oidc:${sub}`, name: String(claims.name ?? claims.preferred_username ?? sub), role };
  }

  /** A configured role claim wins; otherwise the first configured group the user is in. */
  roleOf(claims: Record<string, unknown>): Role | undefined {
    const { roleClaim, groupsClaim, groupRoles } = this.settings;
    const direct = roleClaim ? claims[roleClaim] : undefined;
    if (typeof direct === 'string' && roles.includes(direct as Role)) return direct as Role;
    const groups = claims[groupsClaim];
    if (!Array.isArray(groups)) return undefined;
    for (const [group, role] of groupRoles) if (groups.includes(group)) return role;
    return undefined;
  }
}
