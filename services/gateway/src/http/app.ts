import express from 'express';
import helmet from 'helmet';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import { FailureLimiter, bearerAuth } from './auth.ts';
import { checkBody } from './input-limits.ts';
import { problemHandler } from './problem.ts';
import { auditRoutes } from './routes/audit.ts';
import { citizenRoutes } from './routes/citizens.ts';
import { consentRoutes } from './routes/consents.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { keyRoutes } from './routes/keys.ts';
import { messageRoutes } from './routes/messages.ts';
import { systemRoutes, type HealthProbe } from './routes/system.ts';
import { reportRoutes } from './routes/reports.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import type { PublicJwk } from '../crypto/jws.ts';
import { accessLog } from './access-log.ts';

export type HttpDeps = Omit<Parts, 'transaction' | 'keys' | 'events'> & {
  limiter: FailureLimiter;
  /** express `trust proxy`: only these proxies' X-Forwarded-For sets the client address (KB_TRUST_PROXY). */
  trustProxy?: string[];
  health: HealthProbe;
  publicJwks: () => { keys: PublicJwk[] };
  /** Mounted before the API: the console's files and sessions, which set res.locals.caller like a token (console/routes.ts). */
  before?: express.Router[];
};

/** The node's HTTP API: open system routes, then every resource behind bearer authentication. */
export function createApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy?.length ? deps.trustProxy : false);
  app.use(helmet());
  app.use(accessLog(deps.log, deps.metrics.httpDuration));
  app.use(systemRoutes(deps));

  for (const router of deps.before ?? []) app.use(router);
  const api = express.Router();
  api.use(bearerAuth(deps, deps.limiter));
  api.use(express.json({ limit: deps.settings.maxMessageBytes, strict: true }), checkBody);
  for (const routes of [messageRoutes, conversationRoutes, consentRoutes, citizenRoutes, keyRoutes, tokenRoutes, invoiceRoutes, auditRoutes, reportRoutes, deadLetterRoutes]) api.use(routes(deps));
  app.use(api);
  app.use((_req, _res, next) => next(new Refusal('not_found', 'no such endpoint')));
  app.use(problemHandler(deps.log));
  return app;
}
