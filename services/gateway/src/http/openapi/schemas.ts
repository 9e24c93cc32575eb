import type { SchemaFile } from '../../domain/schemas.ts';

// The JSON Schemas of schemas/ become components.schemas of the OpenAPI document: 2020-12 schemas
// are OpenAPI 3.1 schema objects once their `$ref`s point into the document instead of other files.

export type Schema = Record<string, unknown>;

const componentsPath = '#/components/schemas/';

/** `https://schemas.kommunebro.dk/street-sleeper.notice.json` → `street-sleeper.notice`. */
export const componentName = (id: string) => new URL(id).pathname.slice(1).replace(/\.json$/, '');

/** A reference to a component, or to a place inside one (`ref('stay-invoice', '/properties/lines')`). */
export const ref = (name: string, pointer = '') => ({ $ref: `${componentsPath}${name}${pointer}` });

/** `common.json#/$defs/uuid` → `#/components/schemas/common/$defs/uuid`; `#/$defs/x` stays within its own component. */
function rewriteRef(target: string, self: string): string {
  const hash = target.indexOf('#');
  const file = hash === -1 ? target : target.slice(0, hash);
  const fragment = hash === -1 ? '' : target.slice(hash + 1);
  const name = file === '' ? self : componentName(new URL(file, 'https://schemas.kommunebro.dk/').href);
  return `${componentsPath}${name}${fragment}`;
}

function rewrite(node: unknown, self: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, self));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? rewriteRef(value, self) : rewrite(value, self)]),
  );
}

/** Every schema file as a component named after its `$id`, without `$id` and `$schema` (the document is their base). */
export function fileComponents(files: SchemaFile[]): Record<string, Schema> {
  return Object.fromEntries(
    files.map((f) => {
      const name = componentName(f.id);
      const { $id: _id, $schema: _dialect, ...schema } = f.schema as Schema;
      return [name, rewrite(schema, name) as Schema];
    }),
  );
}

/**
 * An object with the properties and `required` of the object schema at `pointer` in component
 * `name`, each property a reference to the original, plus `extra` properties: for answers that
 * carry a request's or a message's fields and some of their own (a consent as recorded, an
 * invoice line with its outcome), without copying the fields.
 */
export function extend(components: Record<string, Schema>, name: string, pointer: string, extra: Record<string, Schema>, extraRequired: string[] = []): Schema {
  let at: unknown = components[name];
  for (const part of pointer.split('/').filter(Boolean)) at = (at as Schema | undefined)?.[part];
  const source = at as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!source?.properties) throw new Error(`OpenAPI: ${name}${pointer} is not an object schema`);
  const properties = Object.fromEntries(Object.keys(source.properties).map((p) => [p, ref(name, `${pointer}/properties/${p}`)]));
  return { type: 'object', required: [...(source.required ?? []), ...extraRequired], properties: { ...properties, ...extra } };
}
