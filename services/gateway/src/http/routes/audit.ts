import { Router } from 'express';
import type { Parts } from '../../parts.ts';
import { verifyAuditLog } from '../../use-cases/audit.ts';
import { allow } from '../auth.ts';

export function auditRoutes(deps: Pick<Parts, 'audit'>): Router {
  const router = Router();

  router.get('/audit/verify', allow('admin'), async (_req, res) => {
    const report = await verifyAuditLog(deps);
    res.status(report.ok ? 200 : 409).json(report);
  });

  return router;
}
