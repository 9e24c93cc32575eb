import type { NextFunction, Request, Response } from 'express';
import { Refusal } from '../domain/errors.ts';
import { assertWithinLimits, isStorableText } from '../domain/input-limits.ts';

/**
 * Runs right after express.json, before any route, audit entry or schema looks at the request:
 * the body's depth and size limits and its text (domain/input-limits.ts), and no NUL in the path or
 * the query, which would reach PostgreSQL through an id (`/consents/%00`) and fail there.
 */
export function checkBody(req: Request, _res: Response, next: NextFunction): void {
  if (/%00/.test(req.path)) throw new Refusal('request_invalid', 'the path holds a NUL character');
  for (const value of Object.values(req.query)) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((t) => typeof t === 'string' && !isStorableText(t))) throw new Refusal('query_invalid', 'a query parameter holds a NUL character or a lone surrogate');
  }
  if (req.body !== undefined) assertWithinLimits(req.body);
  next();
}
