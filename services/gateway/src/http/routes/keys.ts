import { Router } from 'express';
import type { Parts } from '../../parts.ts';
import type { SendDeps as OutboundDeps } from '../../use-cases/messages.ts';
import { approveKey, importPartnerKey, listKeys, revokeKey } from '../../use-cases/keys.ts';
import { rotateOwnKey } from '../../use-cases/own-key-rotation.ts';
import { allow, callerOf } from '../auth.ts';

export function keyRoutes(deps: OutboundDeps & Pick<Parts, 'trust' | 'ownKeys' | 'settings'>): Router {
  const router = Router();

  router.get('/admin/keys', allow('admin'), async (_req, res) => {
    res.json(await listKeys(deps));
  });

  router.post('/admin/keys', allow('admin'), async (req, res) => {
    res.status(201).json({ imported: await importPartnerKey(deps, callerOf(res), req.body) });
  });

  router.post('/admin/keys/rotate', allow('admin'), async (_req, res) => {
    res.status(202).json(await rotateOwnKey(deps, callerOf(res)));
  });

  router.post('/admin/keys/:kid/approve', allow('admin'), async (req, res) => {
    res.json(await approveKey(deps, callerOf(res), req.params.kid as string));
  });

  router.post('/admin/keys/:kid/revoke', allow('admin'), async (req, res) => {
    res.json(await revokeKey(deps, callerOf(res), req.params.kid as string, req.body));
  });

  return router;
}
