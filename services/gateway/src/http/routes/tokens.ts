import { Router } from 'express';
import type { Parts } from '../../parts.ts';
import { createToken, listTokens, revokeToken } from '../../use-cases/tokens.ts';
import { allow, callerOf } from '../auth.ts';

export function tokenRoutes(deps: Pick<Parts, 'tokens' | 'audit' | 'now'>): Router {
  const router = Router();

  router.get('/admin/tokens', allow('admin'), async (_req, res) => {
    res.json({ tokens: await listTokens(deps) });
  });

  router.post('/admin/tokens', allow('admin'), async (req, res) => {
    res.status(201).json(await createToken(deps, callerOf(res), req.body));
  });

  router.post('/admin/tokens/:id/revoke', allow('admin'), async (req, res) => {
    res.json(await revokeToken(deps, callerOf(res), req.params.id as string));
  });

  return router;
}
