import type { Router } from 'express';
import type { DeadLetterQueue } from '../amqp/dead-letters.ts';
import { Refusal } from '../domain/errors.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { allow, callerOf } from './auth.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /admin/dead-letters` (grouped by refusal code, facts only) and
 * `POST /admin/dead-letters/:id/replay` (back into this node's own inbox, once its cause is fixed).
 */
export function deadLetterRoutes(api: Router, pipeline: PipelineDeps, queue: DeadLetterQueue | undefined): void {
  const needQueue = () => {
    if (!queue) throw new Refusal('not_found', 'this node has no dead-letter queue configured');
    return queue;
  };

  api.get('/admin/dead-letters', allow('admin'), async (_req, res) => {
    const letters = await needQueue().list();
    const byCode: Record<string, number> = {};
    for (const l of letters) byCode[l.code] = (byCode[l.code] ?? 0) + 1;
    await pipeline.audit.record({ actor: callerOf(res).subject, action: 'dead-letter.list', outcome: 'done', detail: { count: letters.length } });
    res.json({ byCode, deadLetters: letters });
  });

  api.post('/admin/dead-letters/:id/replay', allow('admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!uuid.test(id)) throw new Refusal('not_found', 'no dead letter with that id');
    const replayed = await needQueue().replay(id);
    if (!replayed) throw new Refusal('not_found', 'no dead letter with that id');
    await pipeline.audit.record({
      actor: callerOf(res).subject, action: 'dead-letter.replay', outcome: 'done', messageId: id,
      detail: { code: replayed.code, type: replayed.type, from: replayed.from },
    });
    res.status(202).json({ replayed });
  });
}
