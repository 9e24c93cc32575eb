import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../config/index.ts';

export interface Session {
  /** Who is logged in, as the audit log names them (`oidc:<sub>` or `token:<id>`). */
  subject: string;
  role: Role;
  /** Display name for the console header. */
  name: string;
  /** Sent back by the console in `X-CSRF-Token` on every change. */
  csrf: string;
  lastSeen: number;
}

/**
 * Console sessions, in the node's memory: a restart logs everyone out, which is acceptable for a
 * console and keeps session secrets out of the database. Ids are kept hashed, so a heap dump or
 * a log line never gives a usable cookie.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly idleMs: number, private readonly now: () => Date) {}

  create(subject: string, role: Role, name: string): { id: string; session: Session } {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    const session: Session = { subject, role, name, csrf: randomBytes(32).toString('base64url'), lastSeen: this.now().getTime() };
    this.sessions.set(hash(id), session);
    return { id, session };
  }

  /** The live session for a cookie value, touched; an idle one is ended. */
  get(id: string): Session | undefined {
    const key = hash(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const at = this.now().getTime();
    if (at - session.lastSeen > this.idleMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeen = at;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(hash(id));
  }

  private sweep(): void {
    const at = this.now().getTime();
    for (const [key, s] of this.sessions) if (at - s.lastSeen > this.idleMs) this.sessions.delete(key);
  }
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
