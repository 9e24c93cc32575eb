import { roles, type Role } from '../config/index.ts';
import { maskCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import type { TokenRecord } from '../data/tokens.ts';
import type { Caller, Parts } from '../parts.ts';

type Deps = Pick<Parts, 'tokens' | 'audit' | 'now'>;

export type { TokenRecord };

/** Unknown, expired and revoked tokens are refused alike: the answer tells a guesser nothing about a token. */
export async function authenticate(deps: Pick<Parts, 'tokens' | 'now'>, token: string): Promise<Caller> {
  return (await tokenLogin(deps, token)).caller;
}

/** A token's caller and its label (the console names the session by it). */
export async function tokenLogin(deps: Pick<Parts, 'tokens' | 'now'>, token: string): Promise<{ caller: Caller; label: string }> {
  const found = await deps.tokens.findByToken(token);
  const expired = found?.expiresAt && found.expiresAt.getTime() <= deps.now().getTime();
  if (!found || found.revokedAt || expired) throw new Refusal('unauthenticated', 'the token is not valid');
  return { caller: { subject: `token:${found.id.slice(0, 8)}:${found.role}`, role: found.role }, label: found.label };
}

export function listTokens(deps: Pick<Parts, 'tokens'>): Promise<TokenRecord[]> {
  return deps.tokens.list();
}

/** Makes a token for a role; it is shown once, in this answer, and stored only as its hash. */
export async function createToken(deps: Deps, caller: Caller, request: unknown): Promise<TokenRecord & { token: string }> {
  const body = (request ?? {}) as { role?: string; label?: string; expiresInDays?: number };
  if (!roles.includes(body.role as Role)) throw new Refusal('schema_invalid', `/role: one of ${roles.join(', ')}`, [{ pointer: '/role', message: `must be one of ${roles.join(', ')}` }]);
  const days = body.expiresInDays ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 730) throw new Refusal('schema_invalid', '/expiresInDays: 1 to 730', [{ pointer: '/expiresInDays', message: 'must be 1 to 730' }]);
  // The label is listed and audited: a CPR number typed into it is masked.
  const label = typeof body.label === 'string' && body.label.trim() ? maskCpr(body.label.trim().slice(0, 100)) : body.role!;
  const created = await deps.tokens.create(body.role as Role, label, new Date(deps.now().getTime() + days * 86_400_000));
  await deps.audit.record({ actor: caller.subject, action: 'token.create', outcome: 'done', detail: { tokenId: created.id, role: created.role, label, expiresAt: created.expiresAt?.toISOString() } });
  return created;
}

export async function revokeToken(deps: Deps, caller: Caller, id: string): Promise<TokenRecord> {
  const revoked = await deps.tokens.revoke(id, deps.now());
  if (!revoked) throw new Refusal('not_found', 'no active token with that id');
  await deps.audit.record({ actor: caller.subject, action: 'token.revoke', outcome: 'done', detail: { tokenId: revoked.id, role: revoked.role } });
  return revoked;
}
