import express, { type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { roles, type Role } from '../config/index.ts';
import { Refusal } from '../domain/errors.ts';
import type { PublicJwk } from '../crypto/jws.ts';
import type { Direction, MessageFilter, MessageStatus } from '../data/messages.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { sendMessage } from '../pipeline/outbound.ts';
import { consentView, consentsOfCitizen, recordConsent, withdrawConsent } from '../pipeline/consents.ts';
import { isPlausibleCpr } from '../domain/cpr.ts';
import { FailureLimiter, allow, bearerAuth, callerOf } from './auth.ts';
import { keyView, phoneFingerprint } from '../crypto/trust-store.ts';
import { keyAlerts } from '../pipeline/key-watch.ts';
import { rotateOwnKey } from '../pipeline/trust.ts';
import { answerInvoice, composeInvoice, figuresOf, overrideLine } from '../pipeline/invoicing.ts';
import { invoiceCsv } from '../domain/invoice-csv.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { municipalityName, municipalityNames } from '../config/municipalities.ts';
import { deadlineView } from '../pipeline/deadlines.ts';
import { problemHandler } from './problem.ts';
import { consoleRouter } from '../console/routes.ts';
import { deadLetterRoutes } from './dead-letters.ts';
import type { ConsoleConfig } from '../config/console.ts';
import type { DeadLetterQueue } from '../amqp/dead-letters.ts';

export interface HttpDeps {
  pipeline: PipelineDeps;
  limiter: FailureLimiter;
  publicJwks: () => { keys: PublicJwk[] };
  health: () => Promise<{ database: 'up' | 'down'; broker: 'up' | 'down' }>;
  log: Logger;
  console?: ConsoleConfig;
  deadLetters?: DeadLetterQueue;
}

const statuses: MessageStatus[] = ['queued', 'sent', 'delivered', 'rejected', 'failed', 'accepted'];
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function messageFilter(query: Request['query']): MessageFilter {
  const one = (name: string) => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new Refusal('query_invalid', `${name} must be given once`);
    return value;
  };
  const direction = one('direction');
  if (direction !== undefined && direction !== 'in' && direction !== 'out') throw new Refusal('query_invalid', 'direction must be in or out');
  const status = one('status');
  if (status !== undefined && !statuses.includes(status as MessageStatus)) throw new Refusal('query_invalid', `status must be one of ${statuses.join(', ')}`);
  const conversationId = one('conversationId');
  if (conversationId !== undefined && !uuid.test(conversationId)) throw new Refusal('query_invalid', 'conversationId must be a UUID');
  const type = one('type');
  if (type !== undefined && !/^[a-z.-]{1,64}$/.test(type)) throw new Refusal('query_invalid', 'type is not a message type name');
  const limit = Number(one('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Refusal('query_invalid', 'limit must be 1 to 1000');
  return { direction: direction as Direction | undefined, status: status as MessageStatus | undefined, conversationId, type, limit };
}

function optionalQuery(query: Request['query'], name: string, pattern: RegExp): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new Refusal('query_invalid', `${name} is not valid`);
  return value;
}

const namedRoles = (roles: Record<string, string>) =>
  Object.fromEntries(Object.entries(roles).map(([role, code]) => [role, { code, name: municipalityName(code) }]));

export function createApp(deps: HttpDeps): express.Express {
  const { pipeline } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet());

  app.get('/health', async (_req: Request, res: Response) => {
    const checks = await deps.health();
    const up = checks.database === 'up' && checks.broker === 'up';
    const alerts = checks.database === 'up' ? await keyAlerts(pipeline) : undefined;
    res.status(up ? 200 : 503).json({ status: up ? 'up' : 'down', municipality: pipeline.municipality, checks, alerts });
  });

  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(deps.publicJwks());
  });

  app.get('/metrics', async (_req, res) => {
    res.type(pipeline.metrics.registry.contentType).send(await pipeline.metrics.registry.metrics());
  });

  app.use(consoleRouter(deps)); // console files and sessions → res.locals.caller (console/routes.ts)
  const api = express.Router();
  api.use(bearerAuth(pipeline.tokens, deps.limiter, pipeline.now));
  api.use(express.json({ limit: pipeline.maxMessageBytes, strict: true }));

  // Which role may send which type is the collaboration model's decision, made in the pipeline.
  api.post('/messages', allow(...roles), async (req, res) => {
    const message = await sendMessage(pipeline, callerOf(res), req.body);
    res.status(202).location(`/messages/${message.id}`).json({ id: message.id, conversationId: message.conversationId, status: message.status });
  });

  api.get('/messages/:id', allow(...roles), async (req, res) => {
    const id = req.params.id as string;
    const message = uuid.test(id) ? await pipeline.messages.find(id) : null;
    if (!message) throw new Refusal('not_found', 'no message with that id');
    res.json(message);
  });

  api.get('/messages', allow(...roles), async (req, res) => {
    res.json({ messages: await pipeline.messages.list(messageFilter(req.query)) });
  });

  api.get('/conversations', allow(...roles), async (req, res) => {
    const model = optionalQuery(req.query, 'model', /^[a-z][a-z0-9-]{0,63}$/);
    const state = optionalQuery(req.query, 'state', /^[a-z][a-z0-9-]{0,63}$/);
    const list = await pipeline.conversations.list({ model, state, limit: 500 });
    res.json({ conversations: list.map((c) => ({ ...c, roles: namedRoles(c.roles) })) });
  });

  api.get('/conversations/:id', allow(...roles), async (req, res) => {
    const id = req.params.id as string;
    const conversation = uuid.test(id) ? await pipeline.conversations.find(id) : null;
    if (!conversation) throw new Refusal('not_found', 'no conversation with that id');
    const today = copenhagenDate(pipeline.now());
    const model = pipeline.contracts.model(conversation.model);
    const messages = await pipeline.messages.list({ conversationId: id, limit: 1000 });
    res.json({
      ...conversation,
      modelTitle: model.title,
      closed: model.closedStates.includes(conversation.state),
      roles: namedRoles(conversation.roles),
      ourRoles: Object.entries(conversation.roles).filter(([, code]) => code === pipeline.municipality).map(([role]) => role),
      timeline: messages.reverse().map((m) => ({
        id: m.id, type: m.type, direction: m.direction, from: m.from, to: m.to, inReplyTo: m.inReplyTo, status: m.status,
        reason: m.reason, createdAt: m.createdAt, deliveredAt: m.deliveredAt, receivedAt: m.receivedAt,
      })),
      deadlines: (await pipeline.conversations.deadlines({ conversationId: id })).map((d) => deadlineView(d, today)),
    });
  });

  api.get('/deadlines', allow(...roles), async (req, res) => {
    const state = optionalQuery(req.query, 'state', /^(pending|met|overdue|cancelled)$/);
    const conversationId = optionalQuery(req.query, 'conversationId', uuid);
    const today = copenhagenDate(pipeline.now());
    const views = (await pipeline.conversations.deadlines({ conversationId })).map((d) => deadlineView(d, today));
    res.json({ today, deadlines: views.filter((d) => !state || d.state === state) });
  });

  const consentRoles: Role[] = ['outreach', 'caseworker', 'shelter', 'admin'];

  api.post('/consents', allow(...consentRoles), async (req, res) => {
    const consent = await recordConsent(pipeline, callerOf(res), req.body);
    res.status(201).location(`/consents/${consent.id}`).json(consentView(consent, pipeline.now()));
  });

  // The CPR number travels in a header, never in a URL: URLs end up in access logs and proxies.
  api.get('/consents', allow(...consentRoles), async (req, res) => {
    const cpr = req.get('x-citizen-cpr');
    if (!cpr) throw new Refusal('citizen_header_missing');
    if (!isPlausibleCpr(cpr)) throw new Refusal('schema_invalid', 'X-Citizen-CPR is not a plausible CPR number');
    const consents = await consentsOfCitizen(pipeline, cpr);
    res.json({ consents: consents.map((c) => consentView(c, pipeline.now())) });
  });

  api.get('/consents/verify', allow('admin'), async (_req, res) => {
    const report = await pipeline.consents.verify();
    res.status(report.ok ? 200 : 409).json(report);
  });

  api.get('/consents/:id', allow(...consentRoles), async (req, res) => {
    const consent = await pipeline.consents.find(req.params.id as string);
    if (!consent) throw new Refusal('not_found', 'no consent with that id');
    res.json(consentView(consent, pipeline.now()));
  });

  api.post('/consents/:id/withdraw', allow(...consentRoles), async (req, res) => {
    const { consent, notified } = await withdrawConsent(pipeline, callerOf(res), req.params.id as string, req.body ?? {});
    res.json({ ...consentView(consent, pipeline.now()), notified });
  });

  api.get('/audit/verify', allow('admin'), async (_req, res) => {
    const report = await pipeline.audit.verify();
    res.status(report.ok ? 200 : 409).json(report);
  });

  api.get('/admin/keys', allow('admin'), async (_req, res) => {
    const partners = await Promise.all((await pipeline.trust.list()).map(keyView));
    res.json({ own: { ...pipeline.ownKeys.status(), fingerprint: await phoneFingerprint(pipeline.ownKeys.signingKey(pipeline.now()).publicJwk) }, partners });
  });

  // A partner's key (a JWK, or a JWKS) arrives pending; an admin approves it after comparing fingerprints.
  api.post('/admin/keys', allow('admin'), async (req, res) => {
    const body = (req.body ?? {}) as { municipality?: string; jwk?: object; jwks?: { keys?: unknown }; expiresAt?: string };
    if (!body.municipality || !municipalityNames.has(body.municipality)) throw new Refusal('schema_invalid', '/municipality: must be a municipality code', [{ pointer: '/municipality', message: 'must be a municipality code' }]);
    if (body.municipality === pipeline.municipality) throw new Refusal('key_invalid', "this node's own keys are not partner keys");
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : undefined;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new Refusal('schema_invalid', '/expiresAt: must be a date-time', [{ pointer: '/expiresAt', message: 'must be a date-time' }]);
    const jwks = body.jwks ?? (body.jwk ? { keys: [body.jwk] } : undefined);
    if (!jwks) throw new Refusal('schema_invalid', 'send jwk or jwks', [{ pointer: '/jwk', message: 'must have jwk or jwks' }]);
    const created = await pipeline.trust.importJwks(body.municipality, jwks, 'pending', `admin ${callerOf(res).subject}`, { expiresAt });
    const keys = await Promise.all((await pipeline.trust.list({ municipality: body.municipality })).filter((k) => created.includes(k.kid)).map(keyView));
    res.status(201).json({ imported: keys });
  });

  api.post('/admin/keys/rotate', allow('admin'), async (_req, res) => {
    res.status(202).json(await rotateOwnKey(pipeline, callerOf(res)));
  });

  api.post('/admin/keys/:kid/approve', allow('admin'), async (req, res) => {
    const key = await pipeline.trust.approve(req.params.kid as string, callerOf(res).subject, pipeline.settings.keyOverlapMs, pipeline.now());
    res.json(await keyView(key));
  });

  api.post('/admin/keys/:kid/revoke', allow('admin'), async (req, res) => {
    const reason = (req.body as { reason?: unknown } | undefined)?.reason;
    if (typeof reason !== 'string' || reason.trim().length === 0) throw new Refusal('schema_invalid', '/reason: a revocation needs a reason', [{ pointer: '/reason', message: 'is required' }]);
    const key = await pipeline.trust.revoke(req.params.kid as string, reason.slice(0, 500), callerOf(res).subject);
    res.json(await keyView(key));
  });

  api.get('/admin/tokens', allow('admin'), async (_req, res) => {
    res.json({ tokens: await pipeline.tokens.list() });
  });

  api.post('/admin/tokens', allow('admin'), async (req, res) => {
    const body = (req.body ?? {}) as { role?: string; label?: string; expiresInDays?: number };
    if (!roles.includes(body.role as Role)) throw new Refusal('schema_invalid', `/role: one of ${roles.join(', ')}`, [{ pointer: '/role', message: `must be one of ${roles.join(', ')}` }]);
    const days = body.expiresInDays ?? 90;
    if (!Number.isInteger(days) || days < 1 || days > 730) throw new Refusal('schema_invalid', '/expiresInDays: 1 to 730', [{ pointer: '/expiresInDays', message: 'must be 1 to 730' }]);
    const label = typeof body.label === 'string' && body.label.trim() ? body.label.trim().slice(0, 100) : body.role!;
    const created = await pipeline.tokens.create(body.role as Role, label, new Date(pipeline.now().getTime() + days * 86_400_000));
    await pipeline.audit.record({ actor: callerOf(res).subject, action: 'token.create', outcome: 'done', detail: { tokenId: created.id, role: created.role, label, expiresAt: created.expiresAt?.toISOString() } });
    res.status(201).json(created);
  });

  api.post('/admin/tokens/:id/revoke', allow('admin'), async (req, res) => {
    const revoked = await pipeline.tokens.revoke(req.params.id as string, pipeline.now());
    if (!revoked) throw new Refusal('not_found', 'no active token with that id');
    await pipeline.audit.record({ actor: callerOf(res).subject, action: 'token.revoke', outcome: 'done', detail: { tokenId: revoked.id, role: revoked.role } });
    res.json(revoked);
  });

  api.get('/invoices', allow('finance', 'admin'), async (_req, res) => {
    const invoices = await pipeline.invoices.list();
    res.json({ invoices: await Promise.all(invoices.map(async (i) => ({ ...i, lines: undefined, lineCount: i.lines.length, figures: await figuresOf(pipeline, i) }))) });
  });

  api.post('/invoices', allow('finance'), async (req, res) => {
    const invoice = await composeInvoice(pipeline, callerOf(res), req.body);
    if ('draft' in invoice) return void res.json(invoice);
    res.status(201).location(`/invoices/${invoice.id}`).json(invoice);
  });

  // JSON, or CSV for a finance system with ?format=csv or Accept: text/csv.
  api.get('/invoices/:id', allow('finance', 'admin'), async (req, res) => {
    const invoice = await pipeline.invoices.find(req.params.id as string);
    if (!invoice) throw new Refusal('not_found', 'no invoice with that id');
    if (req.query.format === 'csv' || (req.query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.type('text/csv').attachment(`${invoice.number}.csv`).send(invoiceCsv(invoice));
      return;
    }
    res.json({ ...invoice, figures: await figuresOf(pipeline, invoice) });
  });

  api.post('/invoices/:id/lines/:lineId/override', allow('finance'), async (req, res) => {
    res.json(await overrideLine(pipeline, callerOf(res), req.params.id as string, req.params.lineId as string, req.body));
  });

  api.post('/invoices/:id/answer', allow('finance'), async (req, res) => {
    res.json(await answerInvoice(pipeline, callerOf(res), req.params.id as string));
  });

  deadLetterRoutes(api, pipeline, deps.deadLetters);
  app.use(api);
  app.use((_req, _res, next) => next(new Refusal('not_found', 'no such endpoint')));
  app.use(problemHandler(deps.log));
  return app;
}
