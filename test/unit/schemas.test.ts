import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry, readSchemaFiles, schemaDir } from '../../services/gateway/src/domain/schemas.ts';
import { Contracts, contractDir } from '../../services/gateway/src/domain/contracts.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';

const files = readSchemaFiles();
const registry = new SchemaRegistry(files);

describe('message schemas', () => {
  it('when loaded, then every schema is draft 2020-12 with an $id', () => {
    for (const f of files) {
      expect(f.schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
      expect(f.id).toMatch(/^https:\/\/schemas\.kommunebro\.dk\//);
    }
  });

  const withExamples = files.filter((f) => f.file !== 'common.schema.json');
  it.each(withExamples.map((f) => [f.file, f] as const))('when %s is checked, then it has examples and each is valid', (_name, f) => {
    const name = f.id.replace('https://schemas.kommunebro.dk/', '').replace(/\.json$/, '');
    expect(f.schema.examples?.length).toBeGreaterThan(0);
    for (const example of f.schema.examples ?? []) expect(registry.problems(name, example)).toEqual([]);
  });

  it('when every message type of the contracts is looked up, then each has a schema', () => {
    for (const type of new Contracts().rules.keys()) expect(registry.has(type)).toBe(true);
  });

  it('when a notice lacks a citizen identity, then the problem points at /payload/citizen', () => {
    const example = structuredClone(files.find((f) => f.file === 'street-sleeper.notice.schema.json')!.schema.examples![0]) as Record<string, unknown>;
    example.citizen = { approximateAge: 40 };
    const problems = registry.problems('street-sleeper.notice', example, '/payload');
    expect(problems.map((p) => p.pointer)).toContain('/payload/citizen');
  });

  it('when a response offers nothing without a reason, then the problem points at /offer/reason', () => {
    const problems = registry.problems('street-sleeper.response', { contact: { name: 'K', phone: '43686868' }, offer: { kind: 'none' } });
    expect(problems.map((p) => p.pointer)).toContain('/offer/reason');
  });

  it('when assertValid fails, then it throws schema_invalid without the offending value', () => {
    try {
      registry.assertValid('street-sleeper.notice', { citizen: { cpr: '9999999999' } }, '/payload');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(Refusal);
      expect((error as Refusal).code).toBe('schema_invalid');
      expect((error as Refusal).message).not.toContain('9999999999');
    }
  });

  it('when a schema file is broken, then the registry refuses to start and names the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-schemas-'));
    cpSync(schemaDir, dir, { recursive: true });
    const file = path.join(dir, 'street-sleeper.response.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8'));
    schema.properties.offer.properties.kind = { type: 'strnig' };
    writeFileSync(file, JSON.stringify(schema));
    expect(() => new SchemaRegistry(readSchemaFiles(dir))).toThrow(/street-sleeper\.response\.schema\.json/);
  });
});

describe('collaboration models', () => {
  it('when a contract file breaks its schema, then loading stops and names the file and the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-contracts-'));
    cpSync(contractDir, dir, { recursive: true });
    const file = path.join(dir, 'models', 'street-sleeper-handoff.json');
    const model = JSON.parse(readFileSync(file, 'utf8'));
    model.messageTypes['street-sleeper.notice'].userRoles = ['janitor'];
    writeFileSync(file, JSON.stringify(model));
    expect(() => new Contracts(dir)).toThrow(/street-sleeper-handoff\.json is invalid: .*userRoles/);
  });

  it('when the models are loaded, then the notice needs consent and the response must answer', () => {
    const contracts = new Contracts();
    expect(contracts.rule('street-sleeper.notice')).toMatchObject({ from: 'outreach', to: 'home', legalBasis: { kind: 'consent' } });
    expect(contracts.rule('street-sleeper.response')).toMatchObject({ requiresInReplyTo: true });
  });
});
