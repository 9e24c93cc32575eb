import type { NextFunction, Request, Response } from 'express';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { municipalityNames } from '../../services/gateway/src/config/municipalities.ts';
import { isPlausibleCpr } from '../../services/gateway/src/domain/cpr.ts';
import { openApiDocument, type OpenApiDocument, type OperationObject } from '../../services/gateway/src/http/openapi/document.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface Violation {
  test?: string;
  method: string;
  path: string;
  status: number;
  problem: string;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  operation: OperationObject;
}

const documentId = 'openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/**
 * Checks answers against the served OpenAPI document: the operation (path template and method)
 * documents the status, the content type, and the JSON body matches that answer's schema.
 * A path no operation matches (the console's files and sessions, unknown endpoints) is checked
 * only as far as a problem answer must be a Problem.
 */
export class ResponseCheck {
  readonly violations: Violation[] = [];
  /** `GET /messages/{id} 200`: the documented answers the tests met (KB_OPENAPI_SEEN writes them to a file). */
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: Route[];

  constructor(readonly document: OpenApiDocument = openApiDocument()) {
    addFormats(this.ajv);
    this.ajv.addFormat('cpr', { type: 'string', validate: isPlausibleCpr });
    this.ajv.addFormat('municipality-code', { type: 'string', validate: (c: string) => municipalityNames.has(c) });
    this.ajv.addSchema(document as object, documentId);
    this.routes = Object.entries(document.paths)
      .flatMap(([template, methods]) => Object.entries(methods).map(([method, operation]) => ({
        method,
        template,
        pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
        operation,
      })))
      // A literal segment wins over a parameter: /consents/verify before /consents/{id}.
      .sort((a, b) => a.params - b.params);
  }

  /** Express middleware: records a violation for every answer that the document does not describe. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    let body: unknown;
    let isJson = false;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      isJson = true;
      body = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
      return json(value);
    };
    res.once('finish', () => {
      const contentType = String(res.getHeader('content-type') ?? '');
      for (const problem of this.check(req.method, req.originalUrl, res.statusCode, contentType, isJson ? body : undefined)) {
        this.violations.push({ test: expect.getState().currentTestName, method: req.method, path: req.originalUrl.split('?')[0]!, status: res.statusCode, problem });
      }
    });
    next();
  };

  /** What is wrong with one answer (empty when the document describes it). */
  check(method: string, url: string, status: number, contentType: string, body?: unknown): string[] {
    const path = url.split('?')[0]!;
    const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const route = this.routes.find((r) => r.method === wanted && r.pattern.test(path));
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    if (!route) {
      if (status < 400 || body === undefined) return [];
      return this.validate(pointer('components', 'schemas', 'Problem'), body).map((e) => `${method.toUpperCase()} ${path} (no operation) → ${status}: problem ${e}`);
    }
    const where = `${method.toUpperCase()} ${route.template} → ${status}`;
    this.seen.add(`${method.toUpperCase()} ${route.template} ${status}`);
    const answer = route.operation.responses[String(status)];
    if (!answer) return [`${where}: status not documented (documented: ${Object.keys(route.operation.responses).join(', ')})`];
    if (!answer.content || !mediaType) return [];
    if (!answer.content[mediaType]) return [`${where}: content type ${mediaType} not documented (documented: ${Object.keys(answer.content).join(', ')})`];
    if (body === undefined) return [];
    const at = pointer('paths', route.template, route.method, 'responses', String(status), 'content', mediaType, 'schema');
    return this.validate(at, body).map((e) => `${where}: ${e}`);
  }

  /** Problems of `value` against the schema at `place` in the document, e.g. `['paths', '/messages', 'post', 'requestBody', …, 'schema']`. */
  problemsAt(place: string[], value: unknown): string[] {
    return this.validate(pointer(...place), value);
  }

  private validate(at: string, body: unknown): string[] {
    let validate = this.validators.get(at);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${documentId}#/${at}` });
      this.validators.set(at, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `body${e.instancePath} ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }

  /** Throws when any answer was not as documented: what was checked fails the test file. */
  assertNone(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.slice(0, 30).map((v) => `- ${v.test ?? '(outside a test)'}: ${v.problem}`);
    throw new Error(`${this.violations.length} difference(s) between answers and /openapi.json:\n${lines.join('\n')}`);
  }
}
