import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { TestFederation } from '../helpers/nodes.ts';
import { browserProblems, expectAccessible, freePort, launchBrowser, personPage, shot, tokenLogin } from './browser.ts';
import { startOidcProvider } from './oidc-provider.ts';

let now = new Date();
const clock = () => now;

describe('console journey 5: login through OIDC, role mapping, CSRF refusal, logout, idle timeout', () => {
  const federation = new TestFederation();
  let browser: Browser;
  let idp: Awaited<ReturnType<typeof startOidcProvider>>;
  let url: string;
  beforeAll(async () => {
    const [nodePort, idpPort] = [await freePort(), await freePort()];
    const redirectUri = `http://127.0.0.1:${nodePort}/session/oidc/callback`;
    idp = await startOidcProvider(idpPort, { id: 'kommunebro-165', secret: 'a-test-client-secret-0123456789', redirectUri }, {
      karen: { name: 'Karen Lund', groups: ['alle-ansatte', 'kb-sagsbehandlere'] },
      ole: { name: 'Ole Udenrolle', groups: ['alle-ansatte'] },
    });
    await federation.start(['165'], {
      now: clock,
      env: {
        PORT: String(nodePort), KB_OIDC_ISSUER: idp.issuer, KB_OIDC_CLIENT_ID: 'kommunebro-165', KB_OIDC_CLIENT_SECRET: 'a-test-client-secret-0123456789',
        KB_OIDC_REDIRECT_URL: redirectUri, KB_OIDC_GROUP_ROLES: 'kb-sagsbehandlere=caseworker,kb-admins=admin', KB_OIDC_SCOPE: 'openid profile groups',
        KB_SESSION_IDLE_MINUTES: '30',
      },
    });
    url = federation.get('165').url;
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await federation.stop();
    await idp?.stop();
  });

  async function oidcLogin(login: string) {
    const page = await personPage(browser);
    const first = await page.goto(`${url}/`);
    const csp = first!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('link', { name: 'Log ind med din arbejdskonto' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${url}/**`);
    return page;
  }

  it('when a caseworker logs in with the work account, then the group maps to the role, changes need the CSRF token, and logout ends the session', async () => {
    const page = await oidcLogin('karen');
    await page.getByRole('heading', { name: 'Indbakke' }).waitFor();
    expect(await page.locator('#who').textContent()).toContain('Karen Lund · Sagsbehandler');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'kb_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    expect((await federation.get('165').node.parts.audit.list({ action: 'session.login' }))[0]).toMatchObject({ actor: 'oidc:karen', outcome: 'done', detail: { method: 'oidc', role: 'caseworker' } });

    // Same-origin script without the session's X-CSRF-Token: refused; a read is fine and not cached.
    const attempt = await page.evaluate(async () => {
      const post = await fetch('/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const get = await fetch('/conversations');
      return { post: post.status, code: (await post.json()).code, get: get.status, cache: get.headers.get('cache-control') };
    });
    expect(attempt).toEqual({ post: 403, code: 'csrf_invalid', get: 200, cache: 'no-store' });
    const withToken = await page.evaluate(async () => {
      const session = await (await fetch('/session')).json();
      const res = await fetch('/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf }, body: '{}' });
      return (await res.json()).code;
    });
    expect(withToken).toBe('schema_invalid');
    await expectAccessible(page, 'oidc: inbox');

    await page.getByRole('button', { name: 'Log ud' }).click();
    await page.getByRole('heading', { name: 'Log ind' }).waitFor();
    const stolen = await fetch(`${url}/conversations`, { headers: { cookie: `kb_session=${cookie.value}` } });
    expect(stolen.status).toBe(401);
    expect(browserProblems(page)).toEqual([]);
  }, 180_000);

  it('when the work account has no mapped group, then the login is refused with the reason in Danish', async () => {
    const page = await oidcLogin('ole');
    await page.getByText('Din arbejdskonto har ingen rolle i Kommunebro.').waitFor();
    expect(page.url()).toBe(`${url}/?fejl=oidc_no_role`);
    expect((await page.context().cookies()).find((c) => c.name === 'kb_session')).toBeUndefined();
    await expectAccessible(page, 'login: refused');
    await shot(page, 'login');
  }, 180_000);

  it('when the console is reached over https through a proxy, then the session cookie is Secure; a wrong token is refused', async () => {
    const login = (token: string) => fetch(`${url}/session/token`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token }) });
    const ok = await login(federation.get('165').token('finance'));
    expect(ok.status).toBe(201);
    expect(ok.headers.get('set-cookie')).toMatch(/^kb_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect((await ok.json()).role).toBe('finance');
    const bad = await login('not-a-token-not-a-token');
    expect(bad.status).toBe(401);
    expect((await bad.json()).code).toBe('unauthenticated');
    expect(bad.headers.get('set-cookie')).toBeNull();
  });

  it('when a session is idle longer than the timeout, then it has ended', async () => {
    const page = await personPage(browser);
    await tokenLogin(page, url, federation.get('165').token('admin'));
    now = new Date(now.getTime() + 31 * 60_000);
    await page.reload();
    await page.getByRole('heading', { name: 'Log ind' }).waitFor();
    const res = await page.evaluate(async () => (await fetch('/session')).status);
    expect(res).toBe(401);
  }, 60_000);
});
