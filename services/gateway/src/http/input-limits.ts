import type { NextFunction, Request, Response } from 'express';
import { assertWithinLimits } from '../domain/input-limits.ts';

/**
 * Runs right after express.json, before any route, audit entry or schema looks at the body: depth
 * and size limits, and no text PostgreSQL jsonb would refuse (domain/input-limits.ts).
 */
export function checkBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== undefined) assertWithinLimits(req.body);
  next();
}
