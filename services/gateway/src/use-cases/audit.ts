import type { Parts } from '../parts.ts';
import { verifyLog } from './checkpoints.ts';

/** Walks the audit log's hash chain, held against the node's latest checkpoint, and reports the first broken entry. */
export function verifyAuditLog(deps: Pick<Parts, 'municipality' | 'checkpoints' | 'ownKeys' | 'schemas' | 'audit' | 'consents'>) {
  return verifyLog(deps, 'audit');
}
