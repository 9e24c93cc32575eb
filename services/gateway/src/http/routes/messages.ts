import { Router, type Request } from 'express';
import { roles } from '../../config/index.ts';
import { Refusal } from '../../domain/errors.ts';
import type { Parts } from '../../parts.ts';
import { findMessage, listMessages, sendMessage, type Direction, type MessageFilter, type MessageStatus } from '../../use-cases/messages.ts';
import type { SendDeps as OutboundDeps } from '../../use-cases/messages.ts';
import { evidenceBundle, type EvidenceDeps } from '../../use-cases/evidence.ts';
import { allow, callerOf } from '../auth.ts';
import { idempotent } from '../idempotency.ts';
import { one, uuid } from '../query.ts';

const statuses: MessageStatus[] = ['queued', 'sent', 'delivered', 'rejected', 'failed', 'accepted', 'undelivered'];

function messageFilter(query: Request['query']): MessageFilter {
  const direction = one(query, 'direction');
  if (direction !== undefined && direction !== 'in' && direction !== 'out') throw new Refusal('query_invalid', 'direction must be in or out');
  const status = one(query, 'status');
  if (status !== undefined && !statuses.includes(status as MessageStatus)) throw new Refusal('query_invalid', `status must be one of ${statuses.join(', ')}`);
  const conversationId = one(query, 'conversationId');
  if (conversationId !== undefined && !uuid.test(conversationId)) throw new Refusal('query_invalid', 'conversationId must be a UUID');
  const type = one(query, 'type');
  if (type !== undefined && !/^[a-z.-]{1,64}$/.test(type)) throw new Refusal('query_invalid', 'type is not a message type name');
  const limit = Number(one(query, 'limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Refusal('query_invalid', 'limit must be 1 to 1000');
  return { direction: direction as Direction | undefined, status: status as MessageStatus | undefined, conversationId, type, limit };
}

export function messageRoutes(deps: OutboundDeps & EvidenceDeps & Pick<Parts, 'messages' | 'idempotency'>): Router {
  const router = Router();

  // Which role may send which type is the collaboration model's decision, made in the pipeline.
  router.post('/messages', allow(...roles), idempotent(deps.idempotency, deps.log, deps.now), async (req, res) => {
    const message = await sendMessage(deps, callerOf(res), req.body);
    res.status(202).location(`/messages/${message.id}`).json({ id: message.id, conversationId: message.conversationId, status: message.status });
  });

  router.get('/messages/:id', allow(...roles), async (req, res) => {
    const id = req.params.id as string;
    if (!uuid.test(id)) throw new Refusal('not_found', 'no message with that id');
    res.json(await findMessage(deps, id));
  });

  // One self-contained JSON file that `npm run kb -- evidence verify FILE` checks offline (cli/evidence.ts).
  router.get('/messages/:id/evidence', allow('caseworker', 'admin'), async (req, res) => {
    const id = req.params.id as string;
    if (!uuid.test(id)) throw new Refusal('not_found', 'no message with that id');
    const bundle = await evidenceBundle(deps, callerOf(res), id);
    res.set('content-disposition', `attachment; filename="evidence-${id}.json"`).json(bundle);
  });

  router.get('/messages', allow(...roles), async (req, res) => {
    res.json({ messages: await listMessages(deps, messageFilter(req.query)) });
  });

  return router;
}
