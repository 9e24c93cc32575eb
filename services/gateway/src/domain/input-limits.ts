import { maskCpr } from './cpr.ts';
import { Refusal } from './errors.ts';

/** Limits a parsed body must keep before anything else looks at it (an audit entry, a schema, a date). */
export const inputLimits = { maxDepth: 32, maxNodes: 20_000 };

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL jsonb cannot store: a NUL character, or a lone surrogate (not well-formed UTF-16). */
export const isStorableText = (text: string) => !unstorable.test(text);

/**
 * Walks a parsed JSON value without recursion: refuses nesting deeper than maxDepth or more than
 * maxNodes values (`body_too_complex`), and keys or strings with NUL or lone surrogates
 * (`schema_invalid`, the pointer masked so a CPR used as a key is not echoed).
 */
export function assertWithinLimits(value: unknown, at = '', limits = inputLimits): void {
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value, pointer: at, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: v, pointer, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes) throw new Refusal('body_too_complex', `more than ${limits.maxNodes} values`);
    if (depth > limits.maxDepth) throw new Refusal('body_too_complex', `nested deeper than ${limits.maxDepth}`);
    if (typeof v === 'string') {
      if (!isStorableText(v)) throw badText(pointer);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, pointer: `${pointer}/${i}`, depth: depth + 1 }));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const child = `${pointer}/${escapePointer(key)}`;
        if (!isStorableText(key)) throw badText(child);
        stack.push({ value: item, pointer: child, depth: depth + 1 });
      }
    }
  }
}

function badText(pointer: string): Refusal {
  const safe = maskCpr(pointer).replace(/[^\x20-\x7e]/g, '?');
  const message = 'must not contain NUL characters or unpaired surrogates';
  return new Refusal('schema_invalid', `${safe || '/'}: ${message}`, [{ pointer: safe, message }]);
}

/** A text from outside (a transport property, an error message) made safe to log and store: CPR masked, NUL and lone surrogates replaced. */
export function safeText(value: unknown, max = 500): string | undefined {
  if (value === undefined || value === null) return undefined;
  return maskCpr(String(value).slice(0, max)).replace(new RegExp(unstorable.source, 'g'), '\ufffd');
}
