import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../services/gateway/src/http/openapi/document.ts';
import { ResponseCheck } from '../helpers/openapi-check.ts';

const routesDir = path.resolve(import.meta.dirname, '../../services/gateway/src/http/routes');
const document = openApiDocument();
const check = new ResponseCheck(document);
const message = (check.document.paths['/messages/{id}']!.get!.responses['200']!.content!['application/json'] as unknown as { example: Record<string, unknown> }).example;

/** `router.get('/messages/:id', …)` in http/routes/*.ts → `get /messages/{id}`. */
function routesInCode(): string[] {
  return readdirSync(routesDir).flatMap((file) =>
    [...readFileSync(path.join(routesDir, file), 'utf8').matchAll(/router\.(get|post|put|patch|delete)\('([^']+)'/g)].map(
      ([, method, route]) => `${method} ${route!.replace(/:(\w+)/g, '{$1}')}`,
    ),
  );
}

describe('OpenAPI document', () => {
  it('when the document is built, then a maintained OpenAPI validator accepts it as 3.1 and every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('when a $ref points nowhere, then the validator refuses the document (the check above can fail)', async () => {
    const broken = structuredClone(document);
    (broken.paths['/messages/{id}']!.get!.responses['200']!.content!['application/json'] as { schema: object }).schema = { $ref: '#/components/schemas/Nothing' };
    expect((await new Validator().validate(broken as Record<string, unknown>)).valid).toBe(false);
  });

  it('when the routes of http/routes are listed, then each is documented and each documented operation exists', () => {
    const documented = Object.entries(document.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`));
    const inCode = routesInCode();
    expect(inCode.length).toBeGreaterThan(30);
    expect(inCode.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !inCode.includes(r))).toEqual([]);
  });

  it('when a schema file of schemas/ is looked for, then it is a component with its $refs pointing into the document', () => {
    const files = readdirSync(path.resolve(import.meta.dirname, '../../schemas')).filter((f) => f.endsWith('.schema.json'));
    for (const f of files) expect(document.components.schemas[f.replace(/\.schema\.json$/, '')], f).toBeDefined();
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith('#/components/'))).toEqual([]);
    expect(JSON.stringify(document.components.schemas['send-request'])).toContain('#/components/schemas/common/$defs/municipalityCode');
  });

  it('when an operation is behind authentication, then it names its roles, bearer security, examples and its problem codes', () => {
    for (const [p, methods] of Object.entries(document.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const name = `${m} ${p}`;
        expect(op.summary, name).toBeTruthy();
        for (const [status, answer] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(answer.content ?? {})) {
            const { example, examples } = media as { example?: unknown; examples?: object };
            if (!p.startsWith('/openapi')) expect(example ?? examples, `${name} ${status} ${type} example`).toBeDefined();
          }
        }
        if (p === '/health' || p === '/metrics' || p.startsWith('/.well-known') || p === '/openapi.json') {
          expect(op.security, name).toEqual([]);
          continue;
        }
        expect(op['x-roles'], name).toEqual(expect.arrayContaining([expect.any(String)]));
        expect(op.security, name).toEqual([{ bearer: [] }, { session: [] }]);
        expect(op.responses['401']?.content?.['application/problem+json'], name).toBeDefined();
      }
    }
    const sendProblems = document.paths['/messages']!.post!.responses['422']!.content!['application/problem+json']!.schema as { allOf: { properties?: { code?: { enum: string[] } } }[] };
    expect(sendProblems.allOf[1]!.properties!.code!.enum).toEqual(expect.arrayContaining(['consent_missing', 'reply_unknown', 'idempotency_key_reused']));
  });

  it('when the examples of the document are checked against their schemas, then every one matches', () => {
    const wrong: string[] = [];
    for (const [p, methods] of Object.entries(document.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(answer.content ?? {})) {
            const { example, examples } = media as { example?: unknown; examples?: Record<string, { $ref: string }> };
            const values = example !== undefined ? [example] : Object.values(examples ?? {}).map((e) => {
              const found = document.components.examples as Record<string, { value: unknown }>;
              return found[e.$ref.split('/').pop()!]!.value;
            });
            if (!type.includes('json')) continue;
            for (const value of values) wrong.push(...check.check(m, p.replace(/\{[^}]+\}/g, 'x'), Number(status), type, value));
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('when the request body examples are checked against their schemas, then every one matches', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const [p, methods] of Object.entries(document.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const body = op.requestBody as { content: Record<string, { example?: unknown }> } | undefined;
        if (!body) continue;
        const example = body.content['application/json']!.example;
        expect(example, `${m} ${p} request example`).toBeDefined();
        checked++;
        wrong.push(...check.problemsAt(['paths', p, m, 'requestBody', 'content', 'application/json', 'schema'], example).map((e) => `${m} ${p}: ${e}`));
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    expect(wrong).toEqual([]);
  });
});

describe('answers checked against the document', () => {
  it('when an answer is as documented, then nothing is reported', () => {
    expect(check.check('GET', `/messages/${message.id}`, 200, 'application/json; charset=utf-8', message)).toEqual([]);
    expect(check.check('GET', '/messages/abc', 404, 'application/problem+json; charset=utf-8', { type: 'https://kommunebro.dk/problems/not_found', title: 'Not found', status: 404, code: 'not_found' })).toEqual([]);
  });

  it('when the status is not documented for the operation, then it is reported', () => {
    expect(check.check('GET', `/messages/${message.id}`, 418, 'application/json', {})).toEqual([expect.stringContaining('GET /messages/{id} → 418: status not documented')]);
  });

  it('when the body lacks a field or has a wrong type, then it is reported with its place', () => {
    const { status: _status, ...withoutStatus } = message;
    expect(check.check('GET', `/messages/${message.id}`, 200, 'application/json', withoutStatus)).toEqual([expect.stringMatching(/must have required property 'status'/)]);
    expect(check.check('GET', `/messages/${message.id}`, 200, 'application/json', { ...message, keyRevoked: 'no' })).toEqual([expect.stringMatching(/body\/keyRevoked must be boolean/)]);
  });

  it('when a problem carries a code the operation does not document, then it is reported', () => {
    const problem = { type: 'https://kommunebro.dk/problems/invoice_empty', title: 'x', status: 422, code: 'invoice_empty' };
    expect(check.check('POST', '/messages', 422, 'application/problem+json', problem)).toEqual([expect.stringMatching(/body\/code must be equal to one of the allowed values/)]);
  });

  it('when the content type is not documented for the status, then it is reported', () => {
    expect(check.check('GET', `/messages/${message.id}`, 200, 'text/html', undefined)).toEqual([expect.stringContaining('content type text/html not documented')]);
  });

  it('when a literal path and a template both match, then the literal one is checked (/consents/verify, not /consents/{id})', () => {
    expect(check.check('GET', '/consents/verify', 409, 'application/json', { ok: false, entries: 3, firstBroken: { seq: 2, reason: 'hash' } })).toEqual([]);
  });

  it('when the check runs as middleware of an app, then wrong answers are recorded and right ones are not', async () => {
    const recorder = new ResponseCheck(document);
    const app = express();
    app.use(recorder.middleware);
    app.get('/messages/:id', (req, res) => void (req.params.id === 'good' ? res.json(message) : res.status(201).json(message)));
    app.get('/reports', (_req, res) => void res.json({ municipality: '101' }));
    await request(app).get('/messages/good').expect(200);
    await request(app).get('/messages/bad').expect(201);
    await request(app).get('/reports').expect(200);
    expect([...new Set(recorder.violations.map((v) => `${v.method} ${v.path} ${v.status}`))]).toEqual(['GET /messages/bad 201', 'GET /reports 200']);
    expect(recorder.violations.find((v) => v.path === '/reports')?.problem).toMatch(/must have required property/);
    expect(() => recorder.assertNone()).toThrow(/difference\(s\) between answers and \/openapi.json/);
  });
});
