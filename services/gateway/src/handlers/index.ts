import type { Contracts } from '../domain/contracts.ts';
import type { Parts } from '../parts.ts';
import { auditCheckpointHandler } from './audit-checkpoint.ts';
import { consentWithdrawnHandler } from './consent-withdrawn.ts';
import { invoiceReconciliationHandler, stayInvoiceHandler } from './invoices.ts';
import { keyRotationHandler } from './key-rotation.ts';
import { MessageHandlers } from './registry.ts';

/** Every message type with behaviour beyond storage, and its handler. Add a type's handler here. */
export function messageHandlers(deps: Pick<Parts, 'municipality' | 'trust' | 'log' | 'schemas' | 'checkpoints'> & { contracts: Contracts; keyOverlapMs: number }): MessageHandlers {
  const handlers = new MessageHandlers({
    'consent.withdrawn': consentWithdrawnHandler,
    'trust.key-rotation': keyRotationHandler(deps),
    'audit.checkpoint': auditCheckpointHandler(deps),
    'stay-invoice': stayInvoiceHandler(deps),
    'invoice.reconciliation': invoiceReconciliationHandler,
  });
  // A type renamed in contracts/ must not leave its behaviour silently behind: stop the start instead.
  const unknown = handlers.types().filter((type) => !deps.contracts.rule(type));
  if (unknown.length > 0) throw new Error(`Message handlers for types no collaboration model defines: ${unknown.join(', ')}`);
  return handlers;
}
