// Longer than 250 lines: it is one table, an entry per route of http/routes/*.ts, kept together so a
// route and its entry are compared at a glance.
import { roles as allRoles, type Role } from '../../config/index.ts';
import type { RefusalCode } from '../../domain/errors.ts';
import * as example from './examples.ts';
import { messageStatuses } from './views.ts';
import { ref, type Schema } from './schemas.ts';

/** One answer of an operation: a JSON body, or other media types (`content`). */
export interface Answer {
  description: string;
  schema?: Schema;
  example?: unknown;
  content?: Record<string, { schema: Schema; example?: unknown }>;
  headers?: Record<string, { description: string; schema: Schema }>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: Schema;
  example?: unknown;
}

export interface Operation {
  method: 'get' | 'post';
  /** OpenAPI path template: `/messages/{id}` for express's `/messages/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Roles allowed (http/auth.ts `allow`); none: open, no authentication. */
  roles?: readonly Role[];
  parameters?: Parameter[];
  /** The request body; its example is the component's first `examples` entry unless given. */
  body?: { schema: Schema; required?: boolean; example?: unknown };
  answers: Record<number, Answer>;
  /** Problem codes of this operation besides those every operation of its kind may answer (document.ts). */
  refusals?: RefusalCode[];
}

const consentRoles: Role[] = ['outreach', 'caseworker', 'shelter', 'admin'];
const uuid: Schema = { type: 'string', format: 'uuid' };
const idParameter = (what: string): Parameter => ({ name: 'id', in: 'path', required: true, description: `The ${what}'s id`, schema: uuid, example: '6f1c1b1e-2a7d-4d0e-9a53-0b7f6b2d7c11' });
const kidParameter: Parameter = { name: 'kid', in: 'path', required: true, description: 'The key id (`<municipality>-…`)', schema: { type: 'string' }, example: '165-2026-11' };
const location = { Location: { description: 'Where the new resource is read', schema: { type: 'string' } } };
const purposeHeader: Parameter = { name: 'X-Purpose', in: 'header', required: true, description: 'Why the citizen is looked up (audited, 3 to 200 characters)', schema: { type: 'string', minLength: 3, maxLength: 200 }, example: 'Opfølgning på underretning' };
const cprHeader: Parameter = { name: 'X-Citizen-CPR', in: 'header', required: true, description: 'The citizen\'s CPR number: in a header, never in the URL (URLs reach access logs and proxies)', schema: ref('common', '/$defs/cpr'), example: '0101801234' };

/** Refusals of the outbound pipeline (pipeline/outbound.ts): any route that sends a message may answer them. */
const sendRefusals: RefusalCode[] = [
  'schema_invalid', 'unknown_type', 'system_only', 'role_forbidden', 'contract_forbids', 'no_agreement', 'state_forbids',
  'reply_unknown', 'consent_missing', 'consent_withdrawn', 'consent_expired', 'consent_scope', 'recipient_key_missing',
];
const chainAnswers = (what: string): Record<number, Answer> => ({
  200: { description: `Every link of the ${what} holds`, schema: ref('ChainReport'), example: example.chainOk },
  409: { description: `A link of the ${what} is broken: the first broken entry and why`, schema: ref('ChainReport'), example: example.chainBroken },
});

export const operations: Operation[] = [
  // http/routes/system.ts: open
  {
    method: 'get', path: '/health', tag: 'system', summary: 'Health of the node: database, broker, key alerts',
    answers: {
      200: { description: 'Database and broker are up', schema: ref('Health'), example: example.health },
      503: { description: 'The database or the broker is down (`code`, and Retry-After)', schema: ref('Health'), example: example.healthDown, headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'integer' } } } },
    },
    refusals: ['database_unavailable'],
  },
  {
    method: 'get', path: '/.well-known/jwks.json', tag: 'system', summary: "The node's public signing keys (current, next, previous)",
    answers: { 200: { description: 'A JWKS of ES256 (P-256) keys', schema: ref('Jwks'), example: example.jwks } },
  },
  {
    method: 'get', path: '/metrics', tag: 'system', summary: 'Prometheus metrics',
    answers: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' }, example: example.metrics } } } },
  },
  {
    method: 'get', path: '/openapi.json', tag: 'system', summary: 'This document',
    answers: { 200: { description: 'OpenAPI 3.1, built from schemas/ and http/openapi/', schema: { type: 'object', required: ['openapi', 'paths'] } } },
  },

  // http/routes/messages.ts
  {
    method: 'post', path: '/messages', tag: 'messages', roles: allRoles, summary: 'Send a message to another municipality',
    description: 'The node adds id, sender and times, signs it and delivers it; 202 means stored and queued (status `queued`). ' +
      'Which role may send which type is the collaboration model\'s decision (`role_forbidden`). `payload` must match the schema named by `type` ' +
      '(e.g. #/components/schemas/street-sleeper.notice). With `Idempotency-Key` a repeated request within 24 h gets the first answer again (header `Idempotent-Replayed: true`).',
    parameters: [{ name: 'Idempotency-Key', in: 'header', description: '8 to 200 visible ASCII characters, e.g. a UUID', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{8,200}$' }, example: '0d7e5c1a-3b7f-4f51-9b0e-8c3f2a1d6e90' }],
    body: { schema: ref('send-request'), required: true, example: { type: 'street-sleeper.notice', to: '165', consentId: '3b0f6c55-1f7e-4c61-9d54-2b3f9e0a7c11', payload: example.message.payload } },
    answers: {
      202: {
        description: 'Stored and queued for signing and delivery', schema: ref('SendAccepted'), example: example.sendAccepted,
        headers: { ...location, 'Idempotent-Replayed': { description: '`true` when this is the answer to an earlier request with the same key', schema: { const: 'true' } } },
      },
    },
    refusals: [...sendRefusals, 'idempotency_key_invalid', 'idempotency_key_reused', 'idempotency_in_progress'],
  },
  {
    method: 'get', path: '/messages', tag: 'messages', roles: allRoles, summary: 'Messages sent and received, newest first',
    parameters: [
      { name: 'direction', in: 'query', description: 'in or out', schema: { enum: ['in', 'out'] } },
      { name: 'status', in: 'query', description: 'Status of the message', schema: { enum: messageStatuses } },
      { name: 'conversationId', in: 'query', description: 'Only this conversation', schema: uuid },
      { name: 'type', in: 'query', description: 'Only this message type', schema: { type: 'string', pattern: '^[a-z.-]{1,64}$' } },
      { name: 'limit', in: 'query', description: 'At most this many', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    ],
    answers: { 200: { description: 'The messages', schema: { type: 'object', required: ['messages'], properties: { messages: { type: 'array', items: ref('Message') } } }, example: { messages: [example.message] } } },
  },
  {
    method: 'get', path: '/messages/{id}', tag: 'messages', roles: allRoles, summary: 'One message with its payload and status',
    parameters: [idParameter('message')],
    answers: { 200: { description: 'The message', schema: ref('Message'), example: example.message } },
    refusals: ['not_found'],
  },

  // http/routes/conversations.ts
  {
    method: 'get', path: '/conversations', tag: 'conversations', roles: allRoles, summary: 'Conversations (cases between municipalities), newest first, at most 500',
    parameters: [
      { name: 'model', in: 'query', description: 'Collaboration model', schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' }, example: 'street-sleeper-handoff' },
      { name: 'state', in: 'query', description: 'State in the model', schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } },
    ],
    answers: { 200: { description: 'The conversations', schema: { type: 'object', required: ['conversations'], properties: { conversations: { type: 'array', items: ref('Conversation') } } }, example: { conversations: [example.conversation] } } },
  },
  {
    method: 'get', path: '/conversations/{id}', tag: 'conversations', roles: allRoles, summary: 'One conversation: roles, messages in order, deadlines',
    parameters: [idParameter('conversation')],
    answers: { 200: { description: 'The conversation and its timeline', schema: ref('ConversationTimeline'), example: example.timeline } },
    refusals: ['not_found'],
  },
  {
    method: 'get', path: '/deadlines', tag: 'conversations', roles: allRoles, summary: 'Deadlines of every conversation, earliest due first',
    parameters: [
      { name: 'state', in: 'query', description: 'Only deadlines in this state', schema: { enum: ['pending', 'met', 'overdue', 'cancelled'] } },
      { name: 'conversationId', in: 'query', description: 'Only this conversation', schema: uuid },
    ],
    answers: { 200: { description: 'Today (Copenhagen) and the deadlines', schema: ref('DeadlineList'), example: { today: '2026-11-28', deadlines: [example.deadline] } } },
  },

  // http/routes/consents.ts
  {
    method: 'post', path: '/consents', tag: 'consents', roles: consentRoles, summary: "Record a citizen's consent (RSL § 11 a)",
    description: 'The consent log keeps it, hash-chained; the collaboration model named by `purpose` decides which sources and whether a case is required (`consent_scope`).',
    body: { schema: ref('consent-request'), required: true },
    answers: { 201: { description: 'Recorded', schema: ref('Consent'), example: example.consent, headers: location } },
    refusals: ['schema_invalid', 'consent_scope'],
  },
  {
    method: 'get', path: '/consents', tag: 'consents', roles: consentRoles, summary: "A citizen's consents, looked up by CPR number (audited with its purpose)",
    description: 'Caseworkers and admins see every consent of the citizen; others only those they recorded.',
    parameters: [cprHeader, purposeHeader],
    answers: { 200: { description: 'The consents', schema: { type: 'object', required: ['consents'], properties: { consents: { type: 'array', items: ref('Consent') } } }, example: { consents: [example.consent] } } },
    refusals: ['citizen_header_missing', 'schema_invalid', 'purpose_missing'],
  },
  {
    method: 'get', path: '/consents/verify', tag: 'consents', roles: ['admin'], summary: "Walk the consent log's hash chain, held against the latest own checkpoint",
    answers: chainAnswers('consent log'),
  },
  {
    method: 'get', path: '/consents/{id}', tag: 'consents', roles: consentRoles, summary: 'One consent',
    parameters: [idParameter('consent')],
    answers: { 200: { description: 'The consent', schema: ref('Consent'), example: example.consent } },
    refusals: ['not_found'],
  },
  {
    method: 'post', path: '/consents/{id}/withdraw', tag: 'consents', roles: consentRoles, summary: 'Record the withdrawal of a consent',
    description: 'Sharing stops at once: queued messages under it are cancelled, its conversations restricted, and every municipality that received data under it is sent a signed consent.withdrawn notice.',
    parameters: [idParameter('consent')],
    body: { schema: ref('consent-withdrawal'), required: true },
    answers: { 200: { description: 'Withdrawn; `notified` lists the municipalities told', schema: ref('ConsentWithdrawn'), example: example.withdrawnConsent } },
    refusals: [...sendRefusals, 'not_found'],
  },

  // http/routes/keys.ts
  {
    method: 'get', path: '/admin/keys', tag: 'keys', roles: ['admin'], summary: "The node's own key status and every partner key",
    answers: { 200: { description: 'Own keys and partner keys with fingerprints', schema: ref('KeyList'), example: example.keyList } },
  },
  {
    method: 'post', path: '/admin/keys', tag: 'keys', roles: ['admin'], summary: "Import a partner's public key (pending until approved)",
    description: 'The kid must start with `<municipality>-`, and `<municipality>-enc-` exactly for an encryption key (`use: enc`); compare the fingerprint with the partner by phone before approving.',
    body: { schema: ref('KeyImport'), required: true, example: example.keyImport },
    answers: { 201: { description: 'The imported keys', schema: { type: 'object', required: ['imported'], properties: { imported: { type: 'array', items: ref('Key') } } }, example: { imported: [example.key] } } },
    refusals: ['schema_invalid', 'key_invalid', 'key_state_forbids'],
  },
  {
    method: 'post', path: '/admin/keys/rotate', tag: 'keys', roles: ['admin'], summary: "Rotate the node's own keys: make the next signing and encryption keys and announce them to every partner",
    answers: { 202: { description: 'The next key, when it takes over, and who was told (trust.key-rotation messages)', schema: ref('KeyRotation'), example: example.keyRotation } },
    refusals: [...sendRefusals, 'key_state_forbids'],
  },
  {
    method: 'post', path: '/admin/keys/{kid}/approve', tag: 'keys', roles: ['admin'], summary: 'Approve a pending partner key',
    parameters: [kidParameter],
    answers: { 200: { description: 'The key, now active (or scheduled after a rotation)', schema: ref('Key'), example: { ...example.key, status: 'active' } } },
    refusals: ['not_found', 'key_state_forbids'],
  },
  {
    method: 'post', path: '/admin/keys/{kid}/revoke', tag: 'keys', roles: ['admin'], summary: 'Revoke a partner key; messages it verified are flagged',
    parameters: [kidParameter],
    body: { schema: ref('KeyRevocation'), required: true, example: { reason: 'The partner reported the key compromised' } },
    answers: { 200: { description: 'The key, revoked', schema: ref('Key'), example: { ...example.key, status: 'revoked', reason: 'The partner reported the key compromised' } } },
    refusals: ['schema_invalid', 'not_found', 'key_state_forbids'],
  },

  // http/routes/tokens.ts
  {
    method: 'get', path: '/admin/tokens', tag: 'tokens', roles: ['admin'], summary: 'API tokens (never the tokens themselves)',
    answers: { 200: { description: 'The tokens', schema: { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: ref('Token') } } }, example: { tokens: [example.token] } } },
  },
  {
    method: 'post', path: '/admin/tokens', tag: 'tokens', roles: ['admin'], summary: 'Make an API token for a role (shown once)',
    body: { schema: ref('TokenRequest'), required: true, example: { role: 'caseworker', label: 'Sagssystem Nexus', expiresInDays: 90 } },
    answers: { 201: { description: 'The token record and the token', schema: ref('NewToken'), example: { ...example.token, token: 'kb_3q2+7w5F0a8c…' } } },
    refusals: ['schema_invalid'],
  },
  {
    method: 'post', path: '/admin/tokens/{id}/revoke', tag: 'tokens', roles: ['admin'], summary: 'Revoke an API token',
    parameters: [idParameter('token')],
    answers: { 200: { description: 'The token, revoked', schema: ref('Token'), example: { ...example.token, revokedAt: '2026-11-29T08:00:00.000Z' } } },
    refusals: ['not_found'],
  },

  // http/routes/invoices.ts
  {
    method: 'get', path: '/invoices', tag: 'invoices', roles: ['finance', 'admin'], summary: 'Invoices sent and received, with figures, without lines',
    answers: { 200: { description: 'The invoices', schema: { type: 'object', required: ['invoices'], properties: { invoices: { type: 'array', items: ref('InvoiceSummary') } } }, example: { invoices: [example.invoiceSummary] } } },
  },
  {
    method: 'post', path: '/invoices', tag: 'invoices', roles: ['finance'], summary: 'Bill a paying municipality for the stays in a period (SEL § 110)',
    description: 'Sends a stay-invoice message. With `draft: true` nothing is sent: 200 with the lines that would be billed.',
    body: { schema: ref('invoice-request'), required: true },
    answers: {
      200: { description: 'A draft: the invoice as it would be sent', schema: ref('InvoiceDraft'), example: example.invoiceDraft },
      201: { description: 'Sent', schema: ref('Invoice'), example: { ...example.invoice, direction: 'out', status: 'sent' }, headers: location },
    },
    refusals: [...sendRefusals, 'no_daily_rate', 'invoice_empty'],
  },
  {
    method: 'get', path: '/invoices/{id}', tag: 'invoices', roles: ['finance', 'admin'], summary: 'One invoice with its lines and figures, as JSON or CSV',
    description: 'CSV (for a finance system) with `?format=csv` or `Accept: text/csv`.',
    parameters: [idParameter('invoice'), { name: 'format', in: 'query', description: '`csv` for CSV', schema: { enum: ['csv', 'json'] } }],
    answers: {
      200: {
        description: 'The invoice',
        content: {
          'application/json': { schema: ref('InvoiceWithFigures'), example: example.invoiceWithFigures },
          'text/csv': { schema: { type: 'string' }, example: example.invoiceCsv },
        },
      },
    },
    refusals: ['not_found'],
  },
  {
    method: 'post', path: '/invoices/{id}/lines/{lineId}/override', tag: 'invoices', roles: ['finance'], summary: 'Override the reconciled outcome of one line of a received invoice',
    parameters: [idParameter('invoice'), { name: 'lineId', in: 'path', required: true, description: 'The line', schema: { type: 'string' }, example: '1' }],
    body: { schema: ref('line-override'), required: true },
    answers: { 200: { description: 'The invoice', schema: ref('Invoice'), example: { ...example.invoice, lines: [{ ...example.invoice.lines[0], outcome: 'accepted', comment: 'Stay confirmed by phone with Solvang', overriddenBy: 'token:5f1c2d3e:finance' }] } } },
    refusals: ['schema_invalid', 'not_found', 'invoice_state_forbids'],
  },
  {
    method: 'post', path: '/invoices/{id}/answer', tag: 'invoices', roles: ['finance'], summary: 'Answer a received invoice (invoice.reconciliation message)',
    parameters: [idParameter('invoice')],
    answers: { 200: { description: 'The invoice, answered', schema: ref('Invoice'), example: { ...example.invoice, status: 'answered' } } },
    refusals: [...sendRefusals, 'not_found', 'invoice_state_forbids'],
  },

  // http/routes/audit.ts, reports.ts, dead-letters.ts
  {
    method: 'get', path: '/audit/verify', tag: 'audit', roles: ['admin'], summary: "Walk the audit log's hash chain, held against the latest own checkpoint",
    answers: chainAnswers('audit log'),
  },
  {
    method: 'get', path: '/reports', tag: 'reports', roles: allRoles, summary: "This node's figures for the plans' targets (stays over 120 days, late notices)",
    answers: { 200: { description: 'The figures', schema: ref('Report'), example: example.report } },
  },
  {
    method: 'get', path: '/admin/dead-letters', tag: 'dead-letters', roles: ['admin'], summary: 'Refused inbound messages, counted per refusal code (facts, never payloads)',
    answers: { 200: { description: 'The dead letters', schema: ref('DeadLetterList'), example: example.deadLetters } },
    refusals: ['not_found'],
  },
  {
    method: 'post', path: '/admin/dead-letters/{id}/replay', tag: 'dead-letters', roles: ['admin'], summary: "Put a dead letter back into the node's own inbox once its cause is fixed",
    parameters: [{ ...idParameter('dead letter'), description: 'The dead letter\'s id (the message id)' }],
    answers: { 202: { description: 'Back in the inbox', schema: { type: 'object', required: ['replayed'], properties: { replayed: ref('DeadLetter') } }, example: example.replayed } },
    refusals: ['not_found'],
  },

  // Issue 14: evidence bundles (http/routes/messages.ts) and the citizen's access report (http/routes/citizens.ts)
  {
    method: 'get', path: '/messages/{id}/evidence', tag: 'messages', roles: ['caseworker', 'admin'], summary: 'Evidence bundle of one message, verifiable offline (the request is audited)',
    description: 'One self-contained JSON file (a download): the signed message, the signed receipt or error signal, the public keys that verified them with ' +
      'fingerprints and trust state, the audit entries about the message with what is needed to check them against the chain, and the deadlines it met or started. ' +
      'Checked with `npm run kb -- evidence verify FILE`, with no node and no network.',
    parameters: [idParameter('message')],
    answers: { 200: { description: 'The evidence bundle', schema: ref('EvidenceBundle'), example: example.evidence, headers: { 'Content-Disposition': { description: '`attachment; filename="evidence-<id>.json"`', schema: { type: 'string' } } } } },
    refusals: ['not_found', 'evidence_unavailable'],
  },
  {
    method: 'get', path: '/citizens/report', tag: 'citizens', roles: ['caseworker', 'admin'], summary: "The citizen's access report (GDPR art. 15, aktindsigt); the request is audited",
    description: 'Every message sent or received about the citizen, consents and withdrawals, and who looked the citizen up and when. `Accept: text/html` gives a printable Danish page.',
    parameters: [cprHeader, purposeHeader],
    answers: {
      200: {
        description: 'The report',
        content: {
          'application/json': { schema: ref('CitizenReport'), example: example.citizenReport },
          'text/html': { schema: { type: 'string' }, example: '<!doctype html><html lang="da">…<h1>Indsigt i oplysninger om borgeren</h1>…</html>' },
        },
      },
    },
    refusals: ['citizen_header_missing', 'citizen_cpr_invalid', 'purpose_missing'],
  },

  // Log checkpoints (http/routes/audit.ts)
  {
    method: 'post', path: '/logs/verify', tag: 'audit', roles: ['admin'], summary: 'Verify both logs against the latest own checkpoint and the witness files of partners',
    description: 'Get each witness file from a partner\'s admin (`GET /checkpoints/witnessed?from=<this node>` on the partner\'s node).',
    body: { schema: ref('logs-verify-request'), required: false },
    answers: {
      200: { description: 'Both chains hold, against every usable checkpoint', schema: ref('LogsReport'), example: example.logsReport },
      409: { description: 'A chain is broken, or a checkpoint does not match or could not be used', schema: ref('LogsReport'), example: { ...example.logsReport, ok: false, audit: example.chainBroken } },
    },
    refusals: ['schema_invalid'],
  },
  {
    method: 'get', path: '/checkpoints', tag: 'audit', roles: ['admin'], summary: "The node's own signed log checkpoints, newest first",
    answers: { 200: { description: 'The checkpoints', schema: { type: 'object', required: ['checkpoints'], properties: { checkpoints: { type: 'array', items: ref('Checkpoint') } } }, example: { checkpoints: [example.checkpoint] } } },
  },
  {
    method: 'post', path: '/checkpoints', tag: 'audit', roles: ['admin'], summary: 'Sign the heads of both logs now and send the checkpoint to every partner (audit.checkpoint)',
    answers: { 201: { description: 'The checkpoint and the partners it was sent to', schema: ref('CheckpointMade'), example: example.checkpointMade } },
  },
  {
    method: 'get', path: '/checkpoints/witnessed', tag: 'audit', roles: ['admin'], summary: "A witness file: the checkpoints a partner sent us, newest first, for that partner's admin",
    parameters: [
      { name: 'from', in: 'query', required: true, description: 'The partner whose checkpoints', schema: ref('common', '/$defs/municipalityCode'), example: '101' },
      { name: 'limit', in: 'query', description: 'At most this many', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 10 } },
    ],
    answers: { 200: { description: 'The witness file', schema: ref('WitnessFile'), example: example.witnessFile } },
  },
];
