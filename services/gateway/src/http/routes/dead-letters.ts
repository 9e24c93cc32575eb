import { Router } from 'express';
import { Refusal } from '../../domain/errors.ts';
import type { Parts } from '../../parts.ts';
import { listDeadLetters, replayDeadLetter } from '../../use-cases/dead-letters.ts';
import { allow, callerOf } from '../auth.ts';
import { uuid } from '../query.ts';

/**
 * `GET /admin/dead-letters` (grouped by refusal code, facts only) and
 * `POST /admin/dead-letters/:id/replay` (back into this node's own inbox, once its cause is fixed).
 */
export function deadLetterRoutes(deps: Pick<Parts, 'deadLetters' | 'audit'>): Router {
  const router = Router();

  router.get('/admin/dead-letters', allow('admin'), async (_req, res) => {
    res.json(await listDeadLetters(deps, callerOf(res)));
  });

  router.post('/admin/dead-letters/:id/replay', allow('admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!uuid.test(id)) throw new Refusal('not_found', 'no dead letter with that id');
    res.status(202).json({ replayed: await replayDeadLetter(deps, callerOf(res), id) });
  });

  return router;
}
