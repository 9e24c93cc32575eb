import type { Request } from 'express';
import { isPlausibleCpr } from '../domain/cpr.ts';
import { Refusal } from '../domain/errors.ts';
import { isStorableText } from '../domain/input-limits.ts';

// A look-up of a citizen takes the CPR number in a header, never in a URL (URLs end up in access
// logs and proxies), and says why in X-Purpose, which goes to the audit log.

/** X-Purpose: why the citizen is looked up, 3 to 200 characters. */
export function purposeOf(req: Request): string {
  const purpose = req.get('x-purpose')?.trim();
  if (!purpose || purpose.length < 3 || purpose.length > 200 || !isStorableText(purpose)) throw new Refusal('purpose_missing', 'X-Purpose: why you look the citizen up, 3 to 200 characters');
  return purpose;
}

/** X-Citizen-CPR, ten digits; a problem never echoes what was sent. */
export function citizenCprOf(req: Request): string {
  const cpr = req.get('x-citizen-cpr');
  if (!cpr) throw new Refusal('citizen_header_missing');
  if (!isPlausibleCpr(cpr)) throw new Refusal('citizen_cpr_invalid');
  return cpr;
}
