import { Router } from 'express';
import { roles } from '../../config/index.ts';
import { Refusal } from '../../domain/errors.ts';
import type { Parts } from '../../parts.ts';
import { listDeadlines } from '../../use-cases/deadlines.ts';
import { conversationTimeline, listConversations } from '../../use-cases/messages.ts';
import { allow } from '../auth.ts';
import { optionalQuery, uuid } from '../query.ts';

const name = /^[a-z][a-z0-9-]{0,63}$/;

export function conversationRoutes(deps: Pick<Parts, 'municipality' | 'conversations' | 'messages' | 'contracts' | 'now'>): Router {
  const router = Router();

  router.get('/conversations', allow(...roles), async (req, res) => {
    res.json({ conversations: await listConversations(deps, { model: optionalQuery(req.query, 'model', name), state: optionalQuery(req.query, 'state', name) }) });
  });

  router.get('/conversations/:id', allow(...roles), async (req, res) => {
    const id = req.params.id as string;
    if (!uuid.test(id)) throw new Refusal('not_found', 'no conversation with that id');
    res.json(await conversationTimeline(deps, id));
  });

  router.get('/deadlines', allow(...roles), async (req, res) => {
    const state = optionalQuery(req.query, 'state', /^(pending|met|overdue|cancelled)$/);
    const conversationId = optionalQuery(req.query, 'conversationId', uuid);
    res.json(await listDeadlines(deps, { conversationId, state }));
  });

  return router;
}
