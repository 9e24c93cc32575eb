import { Router } from 'express';
import { municipalityNames } from '../../config/municipalities.ts';
import { Refusal } from '../../domain/errors.ts';
import type { Parts } from '../../parts.ts';
import { verifyAuditLog } from '../../use-cases/audit.ts';
import { listCheckpoints, makeCheckpoint, verifyLogs, witnessedCheckpoints, type WitnessFile } from '../../use-cases/checkpoints.ts';
import type { SendDeps } from '../../use-cases/messages.ts';
import { allow, callerOf } from '../auth.ts';
import { one } from '../query.ts';

type Deps = SendDeps & Pick<Parts, 'checkpoints' | 'ownKeys'>;

/** The audit log's verification, and the checkpoints that make it hold against the database's owner. */
export function auditRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/audit/verify', allow('admin'), async (_req, res) => {
    const report = await verifyAuditLog(deps);
    res.status(report.ok ? 200 : 409).json(report);
  });

  /** Both logs, against the latest own checkpoint and the partners' witness files in the body. */
  router.post('/logs/verify', allow('admin'), async (req, res) => {
    deps.schemas.assertValid('logs-verify-request', req.body ?? {}, '', 'schema_invalid');
    const report = await verifyLogs(deps, ((req.body ?? {}) as { witnesses?: WitnessFile[] }).witnesses ?? []);
    res.status(report.ok ? 200 : 409).json(report);
  });

  router.get('/checkpoints', allow('admin'), async (_req, res) => {
    res.json({ checkpoints: await listCheckpoints(deps) });
  });

  router.post('/checkpoints', allow('admin'), async (_req, res) => {
    res.status(201).json(await makeCheckpoint(deps, callerOf(res)));
  });

  /** A witness file for `from`'s admin: what `from` sent us, newest first. */
  router.get('/checkpoints/witnessed', allow('admin'), async (req, res) => {
    const from = one(req.query, 'from');
    if (!from || !municipalityNames.has(from)) throw new Refusal('query_invalid', 'from must be a municipality code');
    const limit = Number(one(req.query, 'limit') ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Refusal('query_invalid', 'limit must be a whole number from 1 to 1000');
    res.json(await witnessedCheckpoints(deps, from, limit));
  });

  return router;
}
