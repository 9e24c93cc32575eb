import { addWorkingDays, copenhagenDate } from '../domain/calendar.ts';
import type { Parts } from '../parts.ts';
import { Periodic } from './periodic.ts';

type Deps = Pick<Parts, 'trust' | 'metrics' | 'log' | 'now'>;

const expiryWarningMs = 60 * 24 * 3600 * 1000;

export interface KeyAlerts {
  /** Active partner keys that expire within 60 days. */
  keysExpiringSoon: { kid: string; municipality: string; expiresAt: string }[];
  /** Keys waiting for an admin's approval for more than 2 working days. */
  keysPendingTooLong: { kid: string; municipality: string; since: string }[];
}

export async function keyAlerts(deps: Pick<Parts, 'trust' | 'now'>): Promise<KeyAlerts> {
  const now = deps.now();
  const today = copenhagenDate(now);
  const keys = await deps.trust.list();
  return {
    keysExpiringSoon: keys
      .filter((k) => k.status === 'active' && k.expiresAt && k.expiresAt.getTime() - now.getTime() <= expiryWarningMs)
      .map((k) => ({ kid: k.kid, municipality: k.municipality, expiresAt: k.expiresAt!.toISOString() })),
    keysPendingTooLong: keys
      .filter((k) => (k.status === 'pending' || k.status === 'pending-rotation') && addWorkingDays(copenhagenDate(k.createdAt), 2) < today)
      .map((k) => ({ kid: k.kid, municipality: k.municipality, since: k.createdAt.toISOString() })),
  };
}

/** Retires partner keys whose overlap after a rotation ended, and keeps the key alert gauges current. */
export class KeyWatch {
  private readonly periodic: Periodic;

  constructor(private readonly deps: Deps, intervalMs: number) {
    deps.metrics.sources.keyAlerts = () => keyAlerts(deps);
    this.periodic = new Periodic(() => this.check(), intervalMs, (error) => deps.log.warn({ err: error.message }, 'key check failed'));
  }

  async check(): Promise<string[]> {
    const retired = await this.deps.trust.retireDue(this.deps.now());
    if (retired.length > 0) this.deps.log.info({ kids: retired }, 'partner keys retired after their overlap');
    return retired;
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
