import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../config/index.ts';
import { Refusal } from '../domain/errors.ts';
import type { TokenRepository } from '../data/tokens.ts';
import type { Caller } from '../pipeline/context.ts';

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
export function bearerAuth(tokens: TokenRepository, limiter: FailureLimiter, now: () => Date) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (res.locals.caller) return next(); // a console session (console/routes.ts)
    const client = req.ip ?? 'unknown';
    const at = now();
    if (limiter.blocked(client, at.getTime())) return next(new Refusal('too_many_failures'));
    const match = /^Bearer ([^\s]+)$/i.exec(req.get('authorization') ?? '');
    const refuse = (detail: string) => {
      limiter.fail(client, at.getTime());
      next(new Refusal('unauthenticated', detail));
    };
    if (!match) return refuse('send Authorization: Bearer <token>');
    try {
      const token = await tokens.findByToken(match[1]!);
      if (!token) return refuse('the token is not valid');
      if (token.revokedAt) return refuse('the token was revoked');
      if (token.expiresAt && token.expiresAt.getTime() <= at.getTime()) return refuse('the token has expired');
      res.locals.caller = { subject: `token:${token.id.slice(0, 8)}:${token.role}`, role: token.role } satisfies Caller;
      next();
    } catch (error) {
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
