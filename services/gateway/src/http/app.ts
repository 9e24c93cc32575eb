import express from 'express';
import helmet from 'helmet';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import { FailureLimiter, bearerAuth } from './auth.ts';
import { checkBody } from './input-limits.ts';
import { problemHandler } from './problem.ts';
import { auditRoutes } from './routes/audit.ts';
import { consentRoutes } from './routes/consents.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { keyRoutes } from './routes/keys.ts';
import { messageRoutes } from './routes/messages.ts';
import { systemRoutes, type HealthProbe } from './routes/system.ts';
import { tokenRoutes } from './routes/tokens.ts';
import type { PublicJwk } from '../crypto/jws.ts';

export type HttpDeps = Omit<Parts, 'transaction' | 'keys' | 'events'> & {
  limiter: FailureLimiter;
  /** express `trust proxy`: only these proxies' X-Forwarded-For sets the client address (KB_TRUST_PROXY). */
  trustProxy?: string[];
  health: HealthProbe;
  publicJwks: () => { keys: PublicJwk[] };
};

/** The node's HTTP API: open system routes, then every resource behind bearer authentication. */
export function createApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy?.length ? deps.trustProxy : false);
  app.use(helmet());
  app.use(systemRoutes(deps));

  const api = express.Router();
  api.use(bearerAuth(deps, deps.limiter));
  api.use(express.json({ limit: deps.settings.maxMessageBytes, strict: true }), checkBody);
  for (const routes of [messageRoutes, conversationRoutes, consentRoutes, keyRoutes, tokenRoutes, invoiceRoutes, auditRoutes]) api.use(routes(deps));

  app.use(api);
  app.use((_req, _res, next) => next(new Refusal('not_found', 'no such endpoint')));
  app.use(problemHandler(deps.log));
  return app;
}
