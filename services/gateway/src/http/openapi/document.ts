import { roles as allRoles } from '../../config/index.ts';
import { refusals, type RefusalCode } from '../../domain/errors.ts';
import { readSchemaFiles, type SchemaFile } from '../../domain/schemas.ts';
import { operations, type Answer, type Operation } from './operations.ts';
import { fileComponents, ref, type Schema } from './schemas.ts';
import { viewComponents } from './views.ts';

export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> } & Record<string, unknown>;
} & Record<string, unknown>;

export interface OperationObject {
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  'x-roles'?: string[];
  [key: string]: unknown;
}

/** What every open route may answer: refused before it runs (http/client-error.ts, http/problem.ts). */
const openRefusals: RefusalCode[] = ['request_invalid', 'headers_too_large', 'internal_error'];

/** What every route behind authentication may answer (http/auth.ts, http/input-limits.ts, express.json, an outage). */
function commonRefusals(op: Operation): RefusalCode[] {
  if (!op.roles) return openRefusals;
  const some = op.roles.length < allRoles.length ? ['role_forbidden' as const] : [];
  const change = op.method === 'post' ? ['csrf_invalid' as const] : [];
  return [
    ...openRefusals, 'unauthenticated', 'too_many_failures', 'query_invalid', 'body_malformed', 'body_too_complex', 'request_too_large',
    'database_unavailable', 'broker_unavailable', ...some, ...change,
  ];
}

const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } };

/** One example per refusal code, referenced by every operation that may answer it. */
const problemExamples = () => Object.fromEntries(Object.entries(refusals).map(([code, { status, title }]) => [`problem-${code}`, {
  summary: title,
  value: { type: `https://kommunebro.dk/problems/${code}`, title, status, code, instance: 'urn:uuid:2f0c8f0e-7f0b-4b8e-9a34-1d9c2b6e5a10' },
}]));

function problemAnswer(status: number, codes: RefusalCode[]) {
  return {
    description: codes.map((c) => `\`${c}\`: ${refusals[c].title}`).join('; '),
    headers: status === 429 || status === 503 ? retryAfter : undefined,
    content: {
      'application/problem+json': {
        schema: { allOf: [ref('Problem'), { properties: { status: { const: status }, code: { enum: codes } } }] },
        examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/problem-${code}` }])),
      },
    },
  };
}

function successAnswer(answer: Answer) {
  const content = answer.content ?? (answer.schema ? { 'application/json': { schema: answer.schema, example: answer.example } } : undefined);
  return { description: answer.description, headers: answer.headers, content };
}

/** `/admin/keys/{kid}/approve` + post → `postAdminKeysByKidApprove`. */
function operationId(op: Operation): string {
  const cap = (w: string) => `${w[0]!.toUpperCase()}${w.slice(1)}`;
  const words = op.path.split('/').filter(Boolean).flatMap((s) => (s.startsWith('{') ? [`By${cap(s.slice(1, -1))}`] : s.split(/[.-]/).filter(Boolean).map(cap)));
  return op.method + words.join('');
}

function operationObject(op: Operation, components: Record<string, Schema>): OperationObject {
  const responses: Record<string, { description: string; headers?: object; content?: Record<string, { schema: Schema }> }> = {};
  for (const [status, answer] of Object.entries(op.answers)) responses[status] = successAnswer(answer);
  const byStatus = new Map<number, RefusalCode[]>();
  for (const code of new Set([...(op.refusals ?? []), ...commonRefusals(op)])) byStatus.set(refusals[code].status, [...(byStatus.get(refusals[code].status) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const problem = problemAnswer(status, codes);
    const earlier = responses[status];
    responses[status] = earlier
      ? { description: `${earlier.description}; or a problem: ${problem.description}`, headers: { ...earlier.headers, ...problem.headers }, content: { ...earlier.content, ...problem.content } }
      : problem;
  }
  for (const answer of Object.values(responses)) answer.headers = { ...answer.headers, ...requestIdHeader };

  const bodyExample = (() => {
    if (!op.body) return undefined;
    if (op.body.example !== undefined) return op.body.example;
    const target = (op.body.schema as { $ref?: string }).$ref?.replace('#/components/schemas/', '');
    return (components[target ?? ''] as { examples?: unknown[] } | undefined)?.examples?.[0];
  })();
  const rolesText = op.roles ? `Roles: ${op.roles.join(', ')}.` : 'Open: no authentication.';
  return {
    operationId: operationId(op),
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, rolesText].filter(Boolean).join('\n\n'),
    ...(op.roles ? { 'x-roles': [...op.roles] } : {}),
    security: op.roles ? [{ bearer: [] }, { session: [] }] : [],
    ...(op.parameters?.length ? { parameters: op.parameters } : {}),
    ...(op.body ? { requestBody: { required: op.body.required ?? true, content: { 'application/json': { schema: op.body.schema, example: bodyExample } } } } : {}),
    responses,
  };
}

/**
 * The node's API as OpenAPI 3.1: components.schemas are the files of schemas/ (message payloads,
 * requests) and the answer shapes of views.ts; paths come from the table in operations.ts.
 */
export function openApiDocument(files: SchemaFile[] = readSchemaFiles()): OpenApiDocument {
  const fromFiles = fileComponents(files);
  const schemas = { ...fromFiles, ...viewComponents(fromFiles) };
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kommunebro gateway node',
      version: '1',
      license: { name: 'MPL-2.0', identifier: 'MPL-2.0' },
      description:
        "The HTTP API every municipality's node serves, for case systems and the console. Message payloads are the JSON Schemas of the " +
        "repository's schemas/ folder (components.schemas named after them, e.g. `street-sleeper.notice`). Refusals are RFC 9457 problems " +
        'with a stable `code`. Answers may gain fields: ignore what you do not know. Not listed: the console\'s files and its session routes ' +
        '(`/`, `/session/*`: login by token or OIDC, logout, CSRF token), used by the console alone; a session cookie works on every route here, ' +
        'a change then needs its `X-CSRF-Token` header. CPR numbers travel in headers (`X-Citizen-CPR`), never in a URL.',
    },
    tags: ['system', 'messages', 'conversations', 'consents', 'keys', 'tokens', 'invoices', 'audit', 'reports', 'dead-letters', 'citizens'].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      examples: problemExamples(),
      headers: { RequestId: { description: 'This request\'s id, also the problem\'s `instance`: quote it to support', schema: { type: 'string', format: 'uuid' } } },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token made with POST /admin/tokens (or KB_TOKENS); its role decides what it may do' },
        session: { type: 'apiKey', in: 'cookie', name: 'kb_session', description: "The console's session; a change also needs the X-CSRF-Token header" },
      },
    },
  };
}
