import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry, readSchemaFiles, schemaDir } from '../../services/gateway/src/domain/schemas.ts';
import { Contracts, contractDir } from '../../services/gateway/src/domain/contracts.ts';
import { Refusal } from '../../services/gateway/src/domain/errors.ts';
import { planMessage } from '../../services/gateway/src/domain/conversation.ts';
import { newEnvelope } from '../../services/gateway/src/domain/envelope.ts';
import { admissionRequest } from '../helpers/messages.ts';

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

function contractsWith(change: (dir: string) => void): Contracts {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-contracts-'));
  cpSync(contractDir, dir, { recursive: true });
  change(dir);
  return new Contracts(dir);
}

function editJson(file: string, edit: (value: any) => void): void {
  const value = JSON.parse(readFileSync(file, 'utf8'));
  edit(value);
  writeFileSync(file, JSON.stringify(value));
}

describe('collaboration models', () => {
  it('when a contract file breaks its schema, then loading stops and names the file and the problem', () => {
    expect(() =>
      contractsWith((dir) => editJson(path.join(dir, 'models', 'street-sleeper-handoff.json'), (m) => (m.messageTypes['street-sleeper.notice'].userRoles = ['janitor']))),
    ).toThrow(/street-sleeper-handoff\.json is invalid: .*userRoles/);
  });

  it('when a model names a state it does not list, then loading stops naming the file', () => {
    expect(() => contractsWith((dir) => editJson(path.join(dir, 'models', 'shelter-stay.json'), (m) => (m.messageTypes['shelter.stay-plan'].allowedIn = ['limbo'])))).toThrow(
      /shelter-stay\.json is invalid: .*limbo/,
    );
  });

  it('when an agreement names an unknown model or lacks a role, then loading stops naming the file', () => {
    expect(() => contractsWith((dir) => editJson(path.join(dir, 'agreements', 'glostrup-albertslund-shelter-stay.json'), (a) => (a.model = 'nope')))).toThrow(
      /glostrup-albertslund-shelter-stay\.json is invalid: model "nope"/,
    );
    expect(() => contractsWith((dir) => editJson(path.join(dir, 'agreements', 'glostrup-albertslund-shelter-stay.json'), (a) => delete a.parties.handling))).toThrow(
      /no municipality in role "handling"/,
    );
  });

  it('when the models are loaded, then the notice needs consent and the admission notice cites SEL § 110 stk. 6', () => {
    const contracts = new Contracts();
    expect(contracts.rule('street-sleeper.notice')).toMatchObject({ from: 'outreach', to: 'home', legalBasis: { kind: 'consent' } });
    expect(contracts.rule('shelter.admission-notice')?.legalBasis).toEqual({ kind: 'statute', reference: 'Serviceloven § 110 stk. 6' });
    expect([...contracts.models.keys()].sort()).toEqual(['consent-notices', 'shelter-stay', 'stay-invoicing', 'street-sleeper-handoff', 'trust']);
  });
});

describe('deadlines come from contracts/', () => {
  const admission = (contracts: Contracts, from = '161', to = '165', shelterId = 'solvang') => {
    const { payload } = admissionRequest(from, to, shelterId, {}, '2026-11-23');
    const envelope = newEnvelope({ type: 'shelter.admission-notice', from, to, payload }, new Date('2026-11-24T09:00:00Z'));
    return Object.fromEntries(planMessage(contracts, envelope, null, new Set()).startDeadlines.map((d) => [d.deadlineId, d.dueOn]));
  };

  it('when the model is as shipped, then admission 3 working days, stay plan 7 days, assessment 6 weeks, alert at 120 days, handleplan 30 days', () => {
    expect(admission(new Contracts())).toEqual({ 'admission-notice': '2026-11-26', 'stay-plan': '2026-11-30', assessment: '2027-01-04', 'stay-120-days': '2027-03-23', handleplan: '2026-12-23' });
  });

  it('when the model file changes the stay plan to 3 working days, then the due day follows', () => {
    const changed = contractsWith((dir) =>
      editJson(path.join(dir, 'models', 'shelter-stay.json'), (m) => (m.deadlines.find((d: { id: string }) => d.id === 'stay-plan').duration = { amount: 3, unit: 'working-days' })),
    );
    expect(admission(changed)['stay-plan']).toBe('2026-11-26');
  });

  it("when an agreement overrides a deadline, then only that agreement's conversations use it", () => {
    const contracts = new Contracts();
    expect(admission(contracts, '101', '657', 'kbh-herberg')['stay-plan']).toBe('2026-11-30'); // 5 working days after Monday 23
    const changed = contractsWith((dir) =>
      editJson(path.join(dir, 'agreements', 'kobenhavn-herning-shelter-stay.json'), (a) => (a.deadlineOverrides['stay-plan'] = { amount: 2, unit: 'days' })),
    );
    expect(admission(changed, '101', '657', 'kbh-herberg')['stay-plan']).toBe('2026-11-25');
    expect(admission(changed)['stay-plan']).toBe('2026-11-30');
  });
});
