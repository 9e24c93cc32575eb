import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ConsoleConfig } from '../config/console.ts';
import { municipalityName, municipalityNames } from '../config/municipalities.ts';
import { addWorkingDays } from '../domain/calendar.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';
import { tokenLogin } from '../use-cases/tokens.ts';
import { credentialKey, type FailureLimiter } from '../http/auth.ts';
import { OidcLogin, OidcLoginError } from './oidc.ts';
import { SessionStore, cookieValue, sameSecret, type Session } from './sessions.ts';

export interface ConsoleDeps {
  pipeline: Pick<Parts, 'audit' | 'contracts' | 'log' | 'municipality' | 'now' | 'tokens'>;
  limiter: FailureLimiter;
  console?: ConsoleConfig;
}

const sessionCookie = 'kb_session';
const stateCookie = 'kb_oidc_state';
const publicDir = path.join(import.meta.dirname, 'public');
const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// No inline script or style, nothing from another origin: the console works offline.
const csp = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/**
 * The console: static files at `/`, login by token or OIDC, and a session middleware that turns
 * a session cookie into the same `res.locals.caller` as `http/auth.ts`'s bearer auth, so every
 * API route serves the console unchanged. Mounted before the API router.
 */
export function consoleRouter(deps: ConsoleDeps): express.Router {
  const { pipeline, limiter } = deps;
  const settings: ConsoleConfig = deps.console ?? { idleMs: 30 * 60_000, secureCookies: 'auto' };
  const sessions = new SessionStore(settings.idleMs, pipeline.now);
  const oidc = settings.oidc ? new OidcLogin(settings.oidc) : undefined;
  const router = express.Router();
  const secure = (req: Request) =>
    settings.secureCookies === 'always' || req.secure || req.get('x-forwarded-proto') === 'https';
  const sessionOf = (req: Request): { id: string; session: Session } | undefined => {
    const id = cookieValue(req.get('cookie'), sessionCookie);
    const session = id ? sessions.get(id) : undefined;
    return id && session ? { id, session } : undefined;
  };
  const audit = (actor: string, action: string, detail: Record<string, unknown>) =>
    pipeline.audit.record({ actor, action, outcome: 'done', detail });
  const startSession = (req: Request, res: Response, subject: string, role: Caller['role'], name: string) => {
    const { id, session } = sessions.create(subject, role, name);
    res.cookie(sessionCookie, id, { httpOnly: true, sameSite: 'strict', secure: secure(req), path: '/' });
    return session;
  };
  const view = (s: Session) => ({
    subject: s.subject, role: s.role, name: s.name, csrf: s.csrf, idleMinutes: settings.idleMs / 60_000,
    municipality: { code: pipeline.municipality, name: municipalityName(pipeline.municipality) },
  });

  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', csp);
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(express.static(publicDir, { index: 'index.html', redirect: false }));

  // A session cookie counts only without a bearer token; a change needs the session's CSRF token.
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.get('authorization')) return next();
    const found = sessionOf(req);
    if (!found) return next();
    if (unsafe.has(req.method)) {
      const sent = req.get('x-csrf-token');
      if (!sent || !sameSecret(sent, found.session.csrf)) return next(new Refusal('csrf_invalid'));
    }
    res.locals.caller = { subject: found.session.subject, role: found.session.role } satisfies Caller;
    res.locals.session = found;
    next();
  });

  router.get('/session/login-options', (_req, res) => {
    res.json({ oidc: Boolean(oidc), municipality: { code: pipeline.municipality, name: municipalityName(pipeline.municipality) } });
  });

  // Reference data the console's forms need: municipalities, and due dates in working days.
  router.get('/session/reference', (_req, res, next) => {
    if (!res.locals.caller) return next(new Refusal('unauthenticated', 'no console session'));
    res.json({ municipalities: [...municipalityNames].map(([code, name]) => ({ code, name })), shelters: [...pipeline.contracts.shelters.values()] });
  });

  router.get('/session/working-days', (req, res, next) => {
    if (!res.locals.caller) return next(new Refusal('unauthenticated', 'no console session'));
    const from = String(req.query.from ?? '');
    const days = Number(req.query.days ?? 3);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !Number.isInteger(days) || days < 1 || days > 60) return next(new Refusal('query_invalid', 'from=YYYY-MM-DD and days 1 to 60'));
    res.json({ from, days, dueOn: addWorkingDays(from, days) });
  });

  router.get('/session', (_req, res, next) => {
    const found = res.locals.session as { session: Session } | undefined;
    if (!found) return next(new Refusal('unauthenticated', 'no console session'));
    res.json(view(found.session));
  });

  // Token login: the token is posted once and never kept in the browser.
  router.post('/session/token', express.json({ limit: 4096 }), async (req, res, next) => {
    try {
      const client = req.ip ?? 'unknown';
      const waitMs = await limiter.waitFor(client);
      if (waitMs > 0) {
        res.set('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
        throw new Refusal('too_many_failures');
      }
      const token = (req.body as { token?: unknown } | undefined)?.token;
      const login = typeof token === 'string' && token.length <= 512 ? await tokenLogin(pipeline, token).catch(() => undefined) : undefined;
      if (!login) {
        await limiter.fail(client, typeof token === 'string' ? credentialKey(token) : undefined);
        throw new Refusal('unauthenticated', 'the token is not valid');
      }
      const { caller, label } = login;
      const session = startSession(req, res, caller.subject, caller.role, label === 'configuration' ? 'Udviklingsnøgle' : label);
      await audit(session.subject, 'session.login', { method: 'token', role: caller.role });
      res.status(201).json(view(session));
    } catch (error) {
      next(error);
    }
  });

  router.post('/session/logout', async (_req, res, next) => {
    const found = res.locals.session as { id: string; session: Session } | undefined;
    if (!found) return next(new Refusal('unauthenticated', 'no console session'));
    sessions.destroy(found.id);
    res.clearCookie(sessionCookie, { path: '/', httpOnly: true, sameSite: 'strict' });
    await audit(found.session.subject, 'session.logout', {}).catch(next);
    res.status(204).end();
  });

  // The console shows a CPR number only after this call, so every showing is in the audit log.
  router.post('/session/cpr-shown', express.json({ limit: 4096 }), async (req, res, next) => {
    try {
      const caller = res.locals.caller as Caller | undefined;
      if (!caller) throw new Refusal('unauthenticated');
      const body = (req.body ?? {}) as { kind?: unknown; id?: unknown };
      if (!['message', 'invoice', 'consent', 'conversation'].includes(String(body.kind)) || typeof body.id !== 'string' || !/^[\w-]{1,80}$/.test(body.id)) {
        throw new Refusal('schema_invalid', 'send kind (message, invoice, consent, conversation) and id', [{ pointer: '/kind', message: 'must name what is shown' }]);
      }
      await audit(caller.subject, 'cpr.show', { kind: body.kind, id: body.id });
      res.status(204).end();
    } catch (error) {
      next(error);
    }
  });

  router.get('/session/oidc/login', async (req, res) => {
    if (!oidc) return void res.redirect(303, '/?fejl=oidc_unavailable');
    try {
      const { url, state } = await oidc.start();
      // Lax: the identity provider's redirect back is a cross-site navigation.
      res.cookie(stateCookie, state, { httpOnly: true, sameSite: 'lax', secure: secure(req), path: '/session/oidc', maxAge: 10 * 60_000 });
      res.redirect(303, url);
    } catch (error) {
      pipeline.log.warn({ err: (error as Error).message }, 'oidc login could not start');
      res.redirect(303, '/?fejl=oidc_unavailable');
    }
  });

  router.get('/session/oidc/callback', async (req, res) => {
    res.clearCookie(stateCookie, { path: '/session/oidc' });
    if (!oidc) return void res.redirect(303, '/?fejl=oidc_unavailable');
    try {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const identity = await oidc.finish(query, cookieValue(req.get('cookie'), stateCookie));
      const session = startSession(req, res, identity.subject, identity.role, identity.name);
      await audit(session.subject, 'session.login', { method: 'oidc', role: identity.role });
      res.redirect(303, '/');
    } catch (error) {
      const reason = error instanceof OidcLoginError ? error.reason : 'oidc_failed';
      pipeline.log.warn({ reason, err: (error as Error).message }, 'oidc login failed');
      await pipeline.audit.record({ actor: 'unauthenticated', action: 'session.login', outcome: 'refused', code: reason, detail: { method: 'oidc' } }).catch(() => undefined);
      res.redirect(303, `/?fejl=${reason}`);
    }
  });

  return router;
}
