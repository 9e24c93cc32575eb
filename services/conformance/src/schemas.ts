// The published JSON Schemas (schemas/) as a partner reads them: the envelope, the signals and
// the message types, compiled with ajv like any JSON Schema 2020-12 consumer would.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const idPrefix = 'https://schemas.kommunebro.dk/';

export const municipalityCodes: ReadonlySet<string> = new Set(
  (JSON.parse(readFileSync(path.join(root, 'contracts/municipalities.json'), 'utf8')).municipalities as { code: string }[]).map((m) => m.code),
);

export class ProtocolSchemas {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });

  constructor(dir = path.join(root, 'schemas')) {
    addFormats(this.ajv);
    this.ajv.addFormat('cpr', /^\d{10}$/);
    this.ajv.addFormat('municipality-code', { type: 'string', validate: (code: string) => municipalityCodes.has(code) });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
      this.ajv.addSchema(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    }
  }

  /** The problems of `value` against schema `name` ("envelope", "receipt", a message type), empty when valid. */
  problems(name: string, value: unknown): string[] {
    const validate = this.ajv.getSchema(`${idPrefix}${name}.json`);
    if (!validate) return [`no published schema ${name}`];
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  }

  /** The first example of a message type's schema: a payload every conforming node accepts. */
  example(type: string): Record<string, unknown> {
    const schema = this.ajv.getSchema(`${idPrefix}${type}.json`)?.schema as { examples?: Record<string, unknown>[] } | undefined;
    const example = schema?.examples?.[0];
    if (!example) throw new Error(`schema ${type} has no example`);
    return structuredClone(example);
  }
}
