import { Router } from 'express';
import type { PublicJwk } from '../../crypto/jws.ts';
import type { Parts } from '../../parts.ts';
import { keyAlerts } from '../../use-cases/key-watch.ts';
import { openApiDocument } from '../openapi/document.ts';
import { retryAfterSeconds } from '../problem.ts';

export interface HealthProbe {
  (): Promise<{ database: 'up' | 'down'; broker: 'up' | 'down' }>;
}

/** Unauthenticated: health for supervisors, metrics for Prometheus, the public keys for partners, the API's description for integrators. */
export function systemRoutes(deps: Pick<Parts, 'municipality' | 'metrics' | 'trust' | 'now'> & { health: HealthProbe; publicJwks: () => { keys: PublicJwk[] } }): Router {
  const router = Router();

  router.get('/health', async (_req, res) => {
    const checks = await deps.health();
    const up = checks.database === 'up' && checks.broker === 'up';
    const alerts = checks.database === 'up' ? await keyAlerts(deps) : undefined;
    // While down, a code and Retry-After as on every other 503.
    const code = up ? undefined : checks.database !== 'up' ? 'database_unavailable' : 'broker_unavailable';
    if (code) res.set('Retry-After', String(retryAfterSeconds));
    res.status(up ? 200 : 503).json({ status: up ? 'up' : 'down', ...(code ? { code } : {}), municipality: deps.municipality, checks, alerts });
  });

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.json(deps.publicJwks());
  });

  const openapi = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}
