import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal, refusals, type RefusalCode, type SchemaProblem } from '../domain/errors.ts';
import { isBrokerOutage, isDatabaseOutage } from '../domain/outage.ts';

/** Seconds a client should wait before retrying while the database or broker is down (issue 12). */
export const retryAfterSeconds = 5;

/** RFC 9457 problem details with the stable `code` of domain/errors.ts. */
export function sendProblem(res: Response, code: RefusalCode, detail?: string, problems?: SchemaProblem[], statusOverride?: number): void {
  const { title } = refusals[code];
  const status = statusOverride ?? refusals[code].status;
  // Last line of defence: an id, key or value echoed in a detail or pointer may be a CPR number.
  if (detail) detail = maskCpr(detail);
  if (problems) problems = problems.map((p) => ({ pointer: maskCpr(p.pointer), message: maskCpr(p.message) }));
  // The request id (http/access-log.ts): what a caller quotes to support, found in the access log.
  const requestId = res.getHeader('x-request-id');
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: `https://kommunebro.dk/problems/${code}`, title, status, code, ...(requestId ? { instance: `urn:uuid:${String(requestId)}` } : {}), ...(detail ? { detail } : {}), ...(problems ? { errors: problems } : {}) });
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof Refusal) return sendProblem(res, error.code, error.detail, error.problems);
    // express.json() errors: never echo the body, it may hold a CPR number.
    if (error?.type === 'entity.too.large') return sendProblem(res, 'request_too_large', `limit ${error.limit} bytes`);
    // A body that fails to inflate (Content-Encoding: gzip on bytes that are not gzip) is malformed too.
    if (error?.type === 'entity.parse.failed' || /^Z_/.test(String(error?.code))) return sendProblem(res, 'body_malformed');
    if (error?.type === 'encoding.unsupported' || error?.status === 415) return sendProblem(res, 'body_malformed', 'unsupported encoding');
    // Anything else that carries its own 4xx (a malformed URL escape, a body that is not what it claims) keeps it.
    const status = Number(error?.status ?? error?.statusCode);
    if (Number.isInteger(status) && status >= 400 && status < 500) return sendProblem(res, 'request_invalid', undefined, undefined, status);
    // An unknown error is ours: logged without its stack, answered with no internals.
    // issue 12: an outage is temporary: 503 with Retry-After and a code, never 500.
    const outage = isDatabaseOutage(error) ? 'database_unavailable' : isBrokerOutage(error) ? 'broker_unavailable' : undefined;
    if (outage) {
      log.warn({ code: outage, method: req.method, route: req.route?.path }, 'request refused during an outage');
      res.set('Retry-After', String(retryAfterSeconds));
      return sendProblem(res, outage);
    }
    log.error({ err: maskCpr(String((error as Error)?.message)).slice(0, 200), method: req.method, route: req.route?.path }, 'request failed');
    sendProblem(res, 'internal_error');
  };
}
