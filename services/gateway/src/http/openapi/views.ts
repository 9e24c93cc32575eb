import { roles } from '../../config/index.ts';
import { refusals } from '../../domain/errors.ts';
import { extend, ref, type Schema } from './schemas.ts';

// The shapes of the API's answers (use-cases/*.ts build them). Message payloads, request bodies and
// invoice lines are not repeated here: they point into the components made from schemas/.
// Answers may gain fields: a client ignores what it does not know, so no additionalProperties: false.

const string: Schema = { type: 'string' };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const dateTime: Schema = { type: 'string', format: 'date-time' };
const date: Schema = { type: 'string', format: 'date' };
const uuid: Schema = { type: 'string', format: 'uuid' };
const count: Schema = { type: 'integer', minimum: 0 };
const oere: Schema = ref('common', '/$defs/moneyOere');
const municipality: Schema = ref('common', '/$defs/municipalityCode');
const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', required, properties });
const list = (name: string, items: Schema): Schema => object({ [name]: { type: 'array', items } });

export const messageStatuses = ['queued', 'sent', 'delivered', 'rejected', 'failed', 'accepted', 'undelivered'];

/** Answer components; `files` are the components made from schemas/ (for `extend`). */
export function viewComponents(files: Record<string, Schema>): Record<string, Schema> {
  const rejectedCheckpoints = { type: 'array', description: 'Checkpoints that could not be used: not signed by this node, or about another', items: object({ label: string, reason: string }) };
  const chainReport = object({
    ok: { type: 'boolean' }, entries: count, firstBroken: object({ seq: { type: 'integer' }, reason: string }),
    checkpoints: { type: 'array', description: 'The signed checkpoints the chain was held against', items: object({ seq: { type: 'integer' }, label: string }) },
    rejected: rejectedCheckpoints,
  }, ['ok', 'entries']);
  const logHead = object({ seq: { type: 'integer', minimum: 0 }, hash: string });
  const checkpoint = object({ at: dateTime, audit: logHead, consent: logHead, kid: string, jws: { type: 'string', description: 'Compact JWS (ES256) of {kind: log-checkpoint, node, at, audit, consent}' } });
  const keyView = object({
    kid: string, municipality, status: { enum: ['pending', 'pending-rotation', 'active', 'retired', 'revoked'] },
    use: { enum: ['sig', 'enc'], description: 'sig: verifies its messages; enc: what messages to it are encrypted to (kid `<code>-enc-…`)' },
    thumbprint: string, fingerprint: { type: 'string', description: 'SHA-256 thumbprint in groups of four hex digits, to read aloud on the phone' },
    source: string, reason: nullable(string), replacesKid: nullable(string), validFrom: nullable(dateTime), retireAt: nullable(dateTime),
    expiresAt: nullable(dateTime), createdAt: dateTime,
  });
  const token = object({ id: uuid, role: { enum: [...roles] }, label: string, expiresAt: nullable(dateTime), revokedAt: nullable(dateTime), createdAt: dateTime });
  const invoiceFields = {
    id: uuid, number: string, direction: { enum: ['in', 'out'] }, shelterCode: municipality, payingCode: municipality,
    periodFrom: date, periodTo: date, totalOere: oere, status: { enum: ['sent', 'received', 'answered', 'reconciled'] },
    messageId: uuid, answerId: nullable(uuid), createdAt: dateTime, updatedAt: dateTime,
  };
  const figures: Schema = {
    type: 'object',
    description: 'Accepted and disputed totals once reconciled; for a received invoice also the estimated state refusion (SEL § 110) and the net cost',
    properties: { acceptedOere: oere, disputedOere: oere, refundableDays: count, estimatedStateRefusionOere: oere, netCostOere: oere, refusionRule: string },
  };
  const withdrawal = object({ withdrawnAt: dateTime, method: { enum: ['oral', 'written', 'digital'] }, note: string, recordedBy: string }, ['withdrawnAt', 'method', 'recordedBy']);
  const conversation = object({
    id: uuid, model: string, state: string, agreementId: nullable(string), restricted: { type: 'boolean' }, createdAt: dateTime, updatedAt: dateTime,
    roles: { type: 'object', description: 'Role in the collaboration model → the municipality holding it', additionalProperties: object({ code: municipality, name: string }) },
  });

  return {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details; `code` is stable (domain/errors.ts), `title` belongs to the code, `detail` to this case',
      required: ['type', 'title', 'status', 'code'],
      properties: {
        type: { type: 'string', format: 'uri' },
        title: string,
        status: { type: 'integer', minimum: 400, maximum: 599 },
        code: { enum: Object.keys(refusals) },
        instance: { type: 'string', pattern: '^urn:uuid:', description: 'The request id, also in the X-Request-Id header' },
        detail: string,
        errors: { type: 'array', items: object({ pointer: string, message: string }) },
      },
    },
    Health: object({
      status: { enum: ['up', 'down'] },
      code: { enum: ['database_unavailable', 'broker_unavailable'] },
      municipality,
      checks: object({ database: { enum: ['up', 'down'] }, broker: { enum: ['up', 'down'] } }),
      alerts: object({
        keysExpiringSoon: { type: 'array', items: object({ kid: string, municipality, expiresAt: dateTime }) },
        keysPendingTooLong: { type: 'array', items: object({ kid: string, municipality, since: dateTime }) },
      }),
    }, ['status', 'municipality', 'checks']),
    Jwks: list('keys', { type: 'object', required: ['kty', 'kid'], properties: { kty: { const: 'EC' }, crv: { const: 'P-256' }, kid: string, x: string, y: string } }),
    SendAccepted: object({ id: uuid, conversationId: uuid, status: { enum: messageStatuses } }),
    Message: object({
      id: uuid, direction: { enum: ['in', 'out'] }, type: string, from: municipality, to: municipality, conversationId: uuid,
      inReplyTo: nullable(uuid), consentId: nullable(string),
      payload: { type: 'object', description: 'Valid against the schema named by `type`, e.g. #/components/schemas/street-sleeper.notice' },
      status: { enum: messageStatuses },
      reason: nullable(object({ code: string, detail: nullable(string) })),
      signingKid: nullable(string), keyRevoked: { type: 'boolean' },
      createdAt: dateTime, sentAt: nullable(dateTime), receivedAt: nullable(dateTime), deliveredAt: nullable(dateTime),
      rejectedAt: nullable(dateTime), failedAt: nullable(dateTime), undeliveredAt: nullable(dateTime),
    }, ['id', 'direction', 'type', 'from', 'to', 'conversationId', 'inReplyTo', 'consentId', 'payload', 'status', 'reason', 'signingKid', 'keyRevoked', 'createdAt', 'sentAt', 'receivedAt', 'deliveredAt', 'rejectedAt', 'failedAt']),
    Deadline: object({
      conversationId: uuid, deadline: string, kind: { enum: ['deadline', 'alert'] }, title: string, reference: string,
      startOn: date, dueOn: date, state: { enum: ['pending', 'met', 'overdue', 'cancelled'] },
      dueSoon: { type: 'boolean', description: 'Pending and due today or on the next working day' },
      metOn: nullable(date), metByMessageId: nullable(uuid),
    }),
    Conversation: conversation,
    ConversationTimeline: {
      allOf: [ref('Conversation'), object({
        modelTitle: string, closed: { type: 'boolean' }, ourRoles: { type: 'array', items: string },
        timeline: { type: 'array', items: object({
          id: uuid, type: string, direction: { enum: ['in', 'out'] }, from: municipality, to: municipality, inReplyTo: nullable(uuid),
          status: { enum: messageStatuses }, reason: nullable(object({ code: string, detail: nullable(string) })),
          createdAt: dateTime, deliveredAt: nullable(dateTime), receivedAt: nullable(dateTime),
        }) },
        deadlines: { type: 'array', items: ref('Deadline') },
      })],
    },
    DeadlineList: object({ today: date, deadlines: { type: 'array', items: ref('Deadline') } }),
    Consent: extend(files, 'consent-request', '', {
      id: uuid, status: { enum: ['active', 'withdrawn', 'expired'] }, recordedBy: string, withdrawal: nullable(withdrawal),
    }, ['id', 'status', 'recordedBy', 'withdrawal']),
    ConsentWithdrawn: { allOf: [ref('Consent'), object({ notified: { type: 'array', items: municipality, description: 'Municipalities sent a consent.withdrawn notice' } })] },
    ChainReport: chainReport,
    LogsReport: object({ ok: { type: 'boolean' }, audit: ref('ChainReport'), consent: ref('ChainReport'), rejected: rejectedCheckpoints }),
    Checkpoint: checkpoint,
    CheckpointMade: object({ checkpoint: ref('Checkpoint'), sentTo: { type: 'array', items: municipality, description: 'Partners sent an audit.checkpoint message' } }),
    WitnessFile: object({
      witnessedBy: municipality, from: municipality,
      checkpoints: { type: 'array', items: object({ from: municipality, at: dateTime, auditSeq: count, consentSeq: count, jws: string, messageId: uuid, receivedAt: dateTime }) },
    }),
    EvidenceBundle: {
      type: 'object',
      description: 'Self-contained: verified offline with `npm run kb -- evidence verify FILE` (services/gateway/src/cli/evidence.ts)',
      required: ['format', 'issuedBy', 'issuedAt', 'message', 'signal', 'keys', 'audit', 'deadlines'],
      properties: {
        format: { const: 'kommunebro-evidence/1' },
        issuedBy: object({ municipality, name: string }),
        issuedAt: dateTime,
        message: object({ id: uuid, direction: { enum: ['in', 'out'] }, type: string, from: municipality, to: municipality, conversationId: uuid, createdAt: dateTime, status: { enum: messageStatuses }, jws: { type: 'string', description: 'The compact JWS exactly as sent or received' } }),
        signal: nullable(object({ type: { enum: ['receipt', 'error'] }, from: municipality, to: municipality, messageId: uuid, receivedAt: dateTime, code: string, jws: string }, ['type', 'from', 'to', 'messageId', 'jws'])),
        keys: { type: 'array', items: object({ kid: string, municipality, jwk: { type: 'object' }, fingerprint: string, owner: { enum: ['issuer', 'partner'] }, stateNow: string, stateAtUse: string }, ['kid', 'municipality', 'jwk', 'fingerprint', 'owner', 'stateNow', 'stateAtUse']) },
        audit: object({
          hashing: string, genesisHash: string, head: logHead,
          entries: { type: 'array', items: object({ seq: { type: 'integer' }, at: dateTime, actor: string, action: string, outcome: string, code: string, messageId: uuid, detail: { type: 'object' }, prevHash: string, hash: string }, ['seq', 'at', 'actor', 'action', 'outcome', 'prevHash', 'hash']) },
        }),
        deadlines: { type: 'array', items: { type: 'object', required: ['deadline', 'title', 'kind', 'reference', 'relation', 'rule', 'startOn', 'dueOn', 'calendar'], properties: { deadline: string, title: string, kind: string, basis: nullable(string), reference: string, relation: { enum: ['met-by-message', 'started-by-message'] }, rule: { type: 'object' }, startOn: date, dueOn: date, calendar: string } } },
      },
    },
    CitizenReport: object({
      municipality: object({ code: municipality, name: string }), generatedAt: dateTime, purpose: string,
      messages: { type: 'array', items: object({ id: uuid, direction: { enum: ['in', 'out'] }, type: string, from: object({ code: municipality, name: string }), to: object({ code: municipality, name: string }), conversationId: uuid, createdAt: dateTime, receivedAt: nullable(dateTime), status: { enum: messageStatuses }, data: {} }, ['id', 'direction', 'type', 'from', 'to', 'conversationId', 'createdAt', 'status']) },
      consents: { type: 'array', items: ref('Consent') },
      receivedUnderConsent: { type: 'array', items: object({ at: dateTime, consentId: string, from: object({ code: municipality, name: string }), messageId: uuid, purpose: string, categories: { type: 'array', items: string }, withdrawnAt: nullable(dateTime) }, ['at', 'consentId', 'from', 'withdrawnAt']) },
      lookups: { type: 'array', items: object({ at: dateTime, actor: string, action: string, purpose: nullable(string), requestId: nullable(string) }) },
      completeness: object({ messagesTruncated: { type: 'boolean' }, messageLimit: count, auditEntriesScanned: count, auditScanLimit: count, auditScanTruncated: { type: 'boolean' }, lookupsLinkedBy: string }),
    }),
    Key: keyView,
    KeyList: object({
      own: object({
        current: string, next: object({ kid: string, validFrom: dateTime }), previous: string, fingerprint: string,
        encryption: object({ current: string, next: string, fingerprint: string }, ['current', 'fingerprint']),
      }, ['current', 'fingerprint', 'encryption']),
      partners: { type: 'array', items: ref('Key') },
    }),
    KeyRotation: object({ kid: string, encryptionKid: string, validFrom: dateTime, replacesKid: string, announcedTo: { type: 'array', items: municipality } }),
    Token: token,
    NewToken: { allOf: [ref('Token'), object({ token: { type: 'string', description: 'The bearer token, shown only in this answer' } })] },
    InvoiceLine: extend(files, 'stay-invoice', '/properties/lines/items', {
      outcome: { enum: ['accepted', 'disputed'] }, reason: ref('line-override', '/properties/reason'), comment: string, overriddenBy: string,
    }),
    Invoice: object({ ...invoiceFields, lines: { type: 'array', items: ref('InvoiceLine') } }),
    InvoiceWithFigures: { allOf: [ref('Invoice'), object({ figures })] },
    InvoiceSummary: object({ ...invoiceFields, lineCount: count, figures }),
    InvoiceDraft: extend(files, 'stay-invoice', '', { draft: { const: true } }, ['draft']),
    Report: object({
      municipality, today: date,
      stays: object({ total: count, over120Days: count, completed: count, averageDaysCompleted: nullable({ type: 'number' }), source: string }),
      admissionNoticesPerShelterMunicipality: { type: 'array', items: object({ shelterMunicipality: string, total: count, late: count, pending: count }) },
      streetSleeperNotices: object({ total: count, answeredInTime: count, answeredLate: count, unansweredOverdue: count, pending: count }),
    }),
    DeadLetter: object({
      id: string, code: string, detail: string, deadLetteredAt: nullable(dateTime), type: nullable(string), from: nullable(string),
      to: nullable(string), conversationId: nullable(string), createdAt: nullable(string), bytes: count,
    }),
    DeadLetterList: object({ byCode: { type: 'object', additionalProperties: count }, deadLetters: { type: 'array', items: ref('DeadLetter') } }),
    KeyImport: {
      type: 'object',
      description: 'A partner key, as one JWK or as a JWKS; it arrives pending until an admin approves it',
      required: ['municipality'],
      properties: { municipality, jwk: { type: 'object' }, jwks: list('keys', { type: 'object' }), expiresAt: dateTime },
      anyOf: [{ required: ['jwk'] }, { required: ['jwks'] }],
    },
    KeyRevocation: object({ reason: { type: 'string', minLength: 1, description: 'Kept up to 500 characters; a CPR number in it is masked' } }),
    TokenRequest: object({
      role: { enum: [...roles] }, label: { type: 'string', description: 'Up to 100 characters; defaults to the role' },
      expiresInDays: { type: 'integer', minimum: 1, maximum: 730, default: 90 },
    }, ['role']),
  };
}
