import express from 'express';
import { roles } from '../config/index.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { computeReport } from '../domain/reports.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { allow } from './auth.ts';

/** GET /reports: this node's figures for the seed plans' targets (domain/reports.ts). */
export function reportsRouter(pipeline: PipelineDeps): express.Router {
  const router = express.Router();
  router.get('/reports', allow(...roles), async (_req, res) => {
    const today = copenhagenDate(pipeline.now());
    const stays = await pipeline.conversations.list({ model: 'shelter-stay', limit: 100_000 });
    const discharges = await pipeline.messages.list({ type: 'shelter.discharge-notice', limit: 1000 });
    const report = computeReport({
      today,
      deadlines: await pipeline.conversations.deadlines(),
      shelterOf: new Map(stays.map((c) => [c.id, c.roles.shelter ?? 'unknown'])),
      dischargeOf: new Map(discharges.filter((m) => m.status !== 'rejected' && m.status !== 'failed').map((m) => [m.conversationId, (m.payload as { dischargeDate: string }).dischargeDate])),
    });
    res.json({ municipality: pipeline.municipality, ...report });
  });
  return router;
}
