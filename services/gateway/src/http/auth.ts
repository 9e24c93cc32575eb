import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../config/index.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';
import { authenticate } from '../use-cases/tokens.ts';

/** Counts failed authentications per client address in a sliding minute. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number, private readonly windowMs = 60_000) {}

  blocked(client: string, now: number): boolean {
    const recent = (this.failures.get(client) ?? []).filter((t) => now - t < this.windowMs);
    this.failures.set(client, recent);
    return recent.length >= this.limit;
  }

  fail(client: string, now: number): void {
    this.failures.set(client, [...(this.failures.get(client) ?? []), now]);
  }
}

/**
 * Bearer tokens looked up by their SHA-256 hash; unknown, expired and revoked tokens are 401.
 * A client that keeps failing is answered 429 before its token is even looked at.
 */
export function bearerAuth(deps: Pick<Parts, 'tokens' | 'now'>, limiter: FailureLimiter) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (res.locals.caller) return next(); // a console session (console/routes.ts)
    const client = req.ip ?? 'unknown';
    const at = deps.now();
    if (limiter.blocked(client, at.getTime())) return next(new Refusal('too_many_failures'));
    const match = /^Bearer ([^\s]+)$/i.exec(req.get('authorization') ?? '');
    const refuse = (refusal: Refusal) => {
      limiter.fail(client, at.getTime());
      next(refusal);
    };
    if (!match) return refuse(new Refusal('unauthenticated', 'send Authorization: Bearer <token>'));
    try {
      res.locals.caller = (await authenticate(deps, match[1]!)) satisfies Caller;
      next();
    } catch (error) {
      if (error instanceof Refusal) return refuse(error);
      next(error);
    }
  };
}

/** Every endpoint says which roles may call it. */
export function allow(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const caller = res.locals.caller as Caller | undefined;
    if (!caller) return next(new Refusal('unauthenticated'));
    if (!roles.includes(caller.role)) return next(new Refusal('role_forbidden', `this needs one of: ${roles.join(', ')}`));
    next();
  };
}

export const callerOf = (res: Response) => res.locals.caller as Caller;
