import type { Parts } from '../parts.ts';

/** Walks the audit log's hash chain and reports the first broken entry. */
export function verifyAuditLog(deps: Pick<Parts, 'audit'>) {
  return deps.audit.verify();
}
