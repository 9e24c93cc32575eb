import { Router } from 'express';
import { roles } from '../../config/index.ts';
import type { Parts } from '../../parts.ts';
import { nodeReport } from '../../use-cases/reports.ts';
import { allow } from '../auth.ts';

export function reportRoutes(deps: Pick<Parts, 'municipality' | 'conversations' | 'messages' | 'contracts' | 'now'>): Router {
  const router = Router();

  router.get('/reports', allow(...roles), async (_req, res) => {
    res.json(await nodeReport(deps));
  });

  return router;
}
