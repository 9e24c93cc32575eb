import { describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../../services/gateway/src/config/console.ts';
import { OidcLogin } from '../../services/gateway/src/console/oidc.ts';
import { SessionStore, cookieValue } from '../../services/gateway/src/console/sessions.ts';

const oidc = {
  KB_OIDC_ISSUER: 'https://login.albertslund.dk', KB_OIDC_CLIENT_ID: 'kommunebro', KB_OIDC_CLIENT_SECRET: 'secret-secret',
  KB_OIDC_REDIRECT_URL: 'https://kommunebro.albertslund.dk/session/oidc/callback', KB_OIDC_GROUP_ROLES: 'KB-Sagsbehandlere=caseworker,KB-Admin=admin',
};

describe('console settings (config/console.ts)', () => {
  it('when nothing is set, then sessions last 30 idle minutes and there is no OIDC login', () => {
    expect(loadConsoleConfig({})).toEqual({ idleMs: 30 * 60_000, secureCookies: 'auto' });
  });

  it('when OIDC is configured, then every setting is read and groups map to roles', () => {
    const config = loadConsoleConfig({ ...oidc, KB_SESSION_IDLE_MINUTES: '15' });
    expect(config.idleMs).toBe(15 * 60_000);
    expect(config.oidc).toMatchObject({ issuer: oidc.KB_OIDC_ISSUER, clientId: 'kommunebro', groupsClaim: 'groups', scope: 'openid profile' });
    expect([...config.oidc!.groupRoles]).toEqual([['KB-Sagsbehandlere', 'caseworker'], ['KB-Admin', 'admin']]);
  });

  it.each([
    [{ ...oidc, KB_OIDC_CLIENT_ID: '' }, 'KB_OIDC_CLIENT_ID is required when KB_OIDC_ISSUER is set'],
    [{ ...oidc, KB_OIDC_CLIENT_SECRET: '' }, 'KB_OIDC_CLIENT_SECRET is required'],
    [{ ...oidc, KB_OIDC_ISSUER: 'http://login.example.dk' }, 'KB_OIDC_ISSUER must be https'],
    [{ ...oidc, KB_OIDC_REDIRECT_URL: 'not a url' }, 'KB_OIDC_REDIRECT_URL must be a URL'],
    [{ ...oidc, KB_OIDC_GROUP_ROLES: 'KB-Chef=boss' }, 'KB_OIDC_GROUP_ROLES has an unknown role "boss"'],
    [{ ...oidc, KB_OIDC_GROUP_ROLES: '' }, 'KB_OIDC_ROLE_CLAIM or KB_OIDC_GROUP_ROLES is required'],
    [{ KB_SESSION_IDLE_MINUTES: 'abc' }, 'KB_SESSION_IDLE_MINUTES must be an integer from 1 to 720, got "abc"'],
    [{ KB_COOKIE_SECURE: 'yes' }, 'KB_COOKIE_SECURE must be auto or always'],
  ])('when a setting is wrong, then the start stops naming it (%#)', (env, message) => {
    expect(() => loadConsoleConfig(env)).toThrow(message);
  });
});

describe('role from the identity provider', () => {
  const login = (env: Record<string, string>) => new OidcLogin(loadConsoleConfig({ ...oidc, ...env }).oidc!);

  it('when a role claim is configured and holds a role, then it wins over groups', () => {
    expect(login({ KB_OIDC_ROLE_CLAIM: 'kb_role' }).roleOf({ kb_role: 'finance', groups: ['KB-Admin'] })).toBe('finance');
  });

  it('when groups are mapped, then the first configured group the user is in gives the role', () => {
    expect(login({}).roleOf({ groups: ['Alle', 'KB-Admin', 'KB-Sagsbehandlere'] })).toBe('caseworker');
  });

  it('when neither claim nor group matches, then there is no role', () => {
    expect(login({ KB_OIDC_ROLE_CLAIM: 'kb_role' }).roleOf({ kb_role: 'boss', groups: ['Alle'] })).toBeUndefined();
    expect(login({}).roleOf({ groups: 'KB-Admin' })).toBeUndefined();
  });
});

describe('console sessions', () => {
  it('when a session is idle longer than the limit, then it is gone; when used, its clock restarts', () => {
    let now = new Date('2026-11-30T08:00:00Z');
    const store = new SessionStore(30 * 60_000, () => now);
    const { id, session } = store.create('token:abc:caseworker', 'caseworker', 'Karen');
    expect(session.csrf).toMatch(/^[\w-]{43}$/);
    now = new Date('2026-11-30T08:29:00Z');
    expect(store.get(id)?.role).toBe('caseworker');
    now = new Date('2026-11-30T08:58:00Z');
    expect(store.get(id)?.role).toBe('caseworker');
    now = new Date('2026-11-30T09:28:01Z');
    expect(store.get(id)).toBeUndefined();
  });

  it('when logged out, then the cookie value is worthless', () => {
    const store = new SessionStore(60_000, () => new Date());
    const { id } = store.create('oidc:karen', 'caseworker', 'Karen');
    store.destroy(id);
    expect(store.get(id)).toBeUndefined();
  });

  it('when a Cookie header holds several cookies, then the named one is found', () => {
    expect(cookieValue('a=1; kb_session=xyz; b=2', 'kb_session')).toBe('xyz');
    expect(cookieValue('kb_sessionx=1', 'kb_session')).toBeUndefined();
  });
});
