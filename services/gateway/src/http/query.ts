import type { Request } from 'express';
import { Refusal } from '../domain/errors.ts';

export const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A query parameter given at most once. */
export function one(query: Request['query'], name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Refusal('query_invalid', `${name} must be given once`);
  return value;
}

/** An optional query parameter that must match `pattern`. */
export function optionalQuery(query: Request['query'], name: string, pattern: RegExp): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new Refusal('query_invalid', `${name} is not valid`);
  return value;
}
