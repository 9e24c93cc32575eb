import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { Refusal, refusals, type RefusalCode, type SchemaProblem } from '../domain/errors.ts';

/** RFC 9457 problem details with the stable `code` of domain/errors.ts. */
export function sendProblem(res: Response, code: RefusalCode, detail?: string, problems?: SchemaProblem[]): void {
  const { status, title } = refusals[code];
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
    if (error?.type === 'entity.parse.failed') return sendProblem(res, 'body_malformed');
    if (error?.type === 'encoding.unsupported' || error?.status === 415) return sendProblem(res, 'body_malformed', 'unsupported encoding');
    log.error({ err: (error as Error)?.message, method: req.method, route: req.route?.path }, 'request failed');
    sendProblem(res, 'internal_error');
  };
}
