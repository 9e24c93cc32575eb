import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Role } from '../config/index.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';
import { authenticate } from '../use-cases/tokens.ts';

/**
 * Failed authentications per client address and per credential (the token presented), each in a
 * sliding window; rate-limiter-flexible drops a key when its window ends, so the maps stay small.
 */
export class FailureLimiter {
  private readonly perClient: RateLimiterMemory;
  private readonly perCredential: RateLimiterMemory;

  constructor(limit: number, windowSeconds = 60) {
    this.perClient = new RateLimiterMemory({ keyPrefix: 'client', points: limit, duration: windowSeconds });
    this.perCredential = new RateLimiterMemory({ keyPrefix: 'credential', points: limit, duration: windowSeconds });
  }

  /** Milliseconds until the client may try again, or 0 when it is not limited. */
  async waitFor(client: string): Promise<number> {
    const res = await this.perClient.get(client);
    return res && res.remainingPoints <= 0 ? res.msBeforeNext : 0;
  }

  /** Counts one failure; returns how long the client must wait when this or earlier ones reached a limit. */
  async fail(client: string, credential?: string): Promise<number> {
    const waits = await Promise.all([
      consume(this.perClient, client),
      credential ? consume(this.perCredential, credential) : Promise.resolve(0),
    ]);
    return Math.max(...waits);
  }
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext;
    throw rejection;
  }
}

export const credentialKey = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

/**
 * Bearer tokens looked up by their SHA-256 hash; unknown, expired and revoked tokens get the same
 * 401. The token is checked before the client is counted, so colleagues behind the same address
 * (a town hall's NAT, a proxy) keep working while failures from that address are limited (429 with
 * Retry-After). Every answer behind authentication may carry personal data: never cached.
 */
export function bearerAuth(deps: Pick<Parts, 'tokens' | 'now'>, limiter: FailureLimiter) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.set('cache-control', 'no-store');
    if (res.locals.caller) return next(); // a console session (console/routes.ts)
    const client = req.ip ?? 'unknown';
    const match = /^Bearer ([^\s]{1,512})$/i.exec(req.get('authorization') ?? '');
    const refuse = async (refusal: Refusal, credential?: string) => {
      const earlier = await limiter.waitFor(client);
      const waitMs = Math.max(earlier, await limiter.fail(client, credential));
      if (waitMs > 0) {
        res.set('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
        return next(new Refusal('too_many_failures'));
      }
      next(refusal);
    };
    if (!match) return refuse(new Refusal('unauthenticated', 'send Authorization: Bearer <token>'));
    try {
      res.locals.caller = (await authenticate(deps, match[1]!)) satisfies Caller;
      next();
    } catch (error) {
      if (error instanceof Refusal) return refuse(error, credentialKey(match[1]!));
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
