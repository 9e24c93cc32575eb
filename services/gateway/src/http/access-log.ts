import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Histogram } from 'prom-client';
import { requestContext } from '../monitoring/request-context.ts';

export const requestIdHeader = 'X-Request-Id';

/**
 * The route pattern, never the URL: a pattern has few values (metric labels) and carries no id.
 * Requests that matched no route share one label.
 */
export function routeOf(req: IncomingMessage): string {
  const r = req as Request;
  return r.route?.path ? `${r.baseUrl ?? ''}${String(r.route.path)}` : 'unmatched';
}

type Res = ServerResponse & { locals?: { caller?: { role?: string } } };

/** What one line says: method, route, status, duration, role. No header, no URL, no body, so never a token or a CPR number. */
function line(req: IncomingMessage, res: Res, responseTime: number) {
  return { method: req.method, route: routeOf(req), status: res.statusCode, durationMs: responseTime, role: res.locals?.caller?.role ?? null };
}

/**
 * One access-log line per request with a fresh request id, returned in X-Request-Id (and as the
 * problem's `instance`, http/problem.ts). The id is held in request-context.ts for the rest of
 * the request, so audit entries made by it name it. Optionally observes the request duration.
 */
export function accessLog(log: Logger, duration?: Histogram<'method' | 'route' | 'status'>) {
  const httpLog = pinoHttp({
    logger: log,
    // Always our own id: an incoming header is not trusted to be unique or harmless.
    genReqId: (_req, res) => {
      const id = randomUUID();
      res.setHeader(requestIdHeader, id);
      return id;
    },
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, loggable: { responseTime: number }) => line(req, res as Res, loggable.responseTime),
    customErrorObject: (req, res, _err, loggable: { responseTime: number }) => line(req, res as Res, loggable.responseTime),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const end = duration?.startTimer();
    if (end) res.once('finish', () => end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }));
    httpLog(req, res, () => requestContext.run({ requestId: String(req.id) }, next));
  };
}
