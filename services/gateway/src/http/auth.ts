import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../config/index.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller } from '../pipeline/context.ts';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** Bearer tokens from configuration, compared as SHA-256 digests in constant time. */
export function bearerAuth(tokens: Map<string, Role>) {
  const known = [...tokens].map(([token, role], i) => ({ digest: digest(token), role, subject: `token-${i + 1}:${role}` }));
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match) return next(new Refusal('unauthenticated', 'send Authorization: Bearer <token>'));
    const presented = digest(match[1]!);
    const found = known.find((k) => timingSafeEqual(k.digest, presented));
    if (!found) return next(new Refusal('unauthenticated', 'the token is not valid'));
    res.locals.caller = { subject: found.subject, role: found.role } satisfies Caller;
    next();
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
