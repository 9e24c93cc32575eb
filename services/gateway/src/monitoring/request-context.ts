import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The HTTP request being served, if any: set by http/access-log.ts, read where an entry is written
 * (data/audit.ts), so no repository or pipeline signature has to carry the id.
 */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;
