import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { municipalityNames } from '../config/municipalities.ts';
import { isPlausibleCpr, maskCpr } from './cpr.ts';
import { Refusal, type SchemaProblem } from './errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const schemaDir = fileURLToPath(new URL('../../../../schemas/', import.meta.url));
const idPrefix = 'https://schemas.kommunebro.dk/';

export interface SchemaFile {
  file: string;
  id: string;
  schema: { $id: string; examples?: unknown[] };
}

export function readSchemaFiles(dir = schemaDir): SchemaFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
    .map((file) => {
      const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      if (typeof schema.$id !== 'string' || !schema.$id.startsWith(idPrefix)) {
        throw new Error(`Schema ${file} has no $id under ${idPrefix}`);
      }
      return { file, id: schema.$id, schema };
    });
}

/**
 * All schemas, compiled at start so a broken schema stops the node, not the first message.
 * Message types are looked up by name: type "x.y" is validated by `${idPrefix}x.y.json`.
 */
export class SchemaRegistry {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(files: SchemaFile[] = readSchemaFiles()) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(this.ajv);
    this.ajv.addFormat('cpr', { type: 'string', validate: isPlausibleCpr });
    this.ajv.addFormat('municipality-code', { type: 'string', validate: (c: string) => municipalityNames.has(c) });
    for (const f of files) {
      try {
        this.ajv.addSchema(f.schema);
      } catch (error) {
        throw new Error(`Schema ${f.file} is invalid: ${(error as Error).message}`);
      }
    }
    for (const f of files) {
      try {
        const validate = this.ajv.getSchema(f.id);
        if (!validate) throw new Error('not compiled');
        this.validators.set(f.id.slice(idPrefix.length).replace(/\.json$/, ''), validate);
      } catch (error) {
        throw new Error(`Schema ${f.file} does not compile: ${(error as Error).message}`);
      }
    }
  }

  has(name: string): boolean {
    return this.validators.has(name);
  }

  /** Whether a value matches a definition of common.json (e.g. "uuid") by the rule the schemas use. */
  matchesCommon(definition: string, value: unknown): boolean {
    const validate = this.ajv.getSchema(`${idPrefix}common.json#/$defs/${definition}`);
    if (!validate) throw new Error(`No definition ${definition} in common.json`);
    return validate(value) === true;
  }

  /** Problems as JSON pointers into the validated value, prefixed with `at` (e.g. "/payload"). */
  problems(name: string, value: unknown, at = ''): SchemaProblem[] {
    const validate = this.validators.get(name);
    if (!validate) throw new Error(`No schema named ${name}`);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => toProblem(e, at));
  }

  /** Throws a `schema_invalid` (or `code`) refusal listing every problem. */
  assertValid(name: string, value: unknown, at = '', code: 'schema_invalid' | 'envelope_invalid' = 'schema_invalid'): void {
    const problems = this.problems(name, value, at);
    if (problems.length > 0) {
      throw new Refusal(code, problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; '), problems);
    }
  }
}

// Messages name the rule, never the offending value, so no CPR ends up in an error text.
function toProblem(error: ErrorObject, at: string): SchemaProblem {
  let pointer = at + error.instancePath;
  if (error.keyword === 'required') pointer += `/${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') {
    pointer += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
  }
  // A key is echoed in the pointer: a CPR number used as a key is masked.
  return { pointer: maskCpr(pointer), message: error.message ?? error.keyword };
}
