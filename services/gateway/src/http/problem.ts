import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { Refusal, refusals, type RefusalCode, type SchemaProblem } from '../domain/errors.ts';
import { isBrokerOutage, isDatabaseOutage } from '../data/outage.ts';

/** Seconds a client should wait before retrying while the database or broker is down (issue 12). */
export const retryAfterSeconds = 5;

/** RFC 9457 problem details with the stable `code` of domain/errors.ts. */
export function sendProblem(res: Response, code: RefusalCode, detail?: string, problems?: SchemaProblem[]): void {
  const { status, title } = refusals[code];
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: `https://kommunebro.dk/problems/${code}`, title, status, code, ...(detail ? { detail } : {}), ...(problems ? { errors: problems } : {}) });
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof Refusal) return sendProblem(res, error.code, error.detail, error.problems);
    // express.json() errors: never echo the body, it may hold a CPR number.
    if (error?.type === 'entity.too.large') return sendProblem(res, 'request_too_large', `limit ${error.limit} bytes`);
    if (error?.type === 'entity.parse.failed') return sendProblem(res, 'body_malformed');
    if (error?.type === 'encoding.unsupported' || error?.status === 415) return sendProblem(res, 'body_malformed', 'unsupported encoding');
    // issue 12: an outage is temporary: 503 with Retry-After and a code, never 500.
    const outage = isDatabaseOutage(error) ? 'database_unavailable' : isBrokerOutage(error) ? 'broker_unavailable' : undefined;
    if (outage) {
      log.warn({ code: outage, method: req.method, route: req.route?.path }, 'request refused during an outage');
      res.set('Retry-After', String(retryAfterSeconds));
      return sendProblem(res, outage);
    }
    log.error({ err: (error as Error)?.message, method: req.method, route: req.route?.path }, 'request failed');
    sendProblem(res, 'internal_error');
  };
}
