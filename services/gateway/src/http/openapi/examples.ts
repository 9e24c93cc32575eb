// Example answers for the OpenAPI document (test/unit/openapi.test.ts checks each against its schema).

const at = '2026-11-28T09:30:00.000Z';
const messageId = '6f1c1b1e-2a7d-4d0e-9a53-0b7f6b2d7c11';
const conversationId = '0d4b6a51-7c0e-4a43-8f0c-3e2f7f9b8a20';
const consentId = '3b0f6c55-1f7e-4c61-9d54-2b3f9e0a7c11';
const invoiceId = '9a7e2c10-5b4d-4f3a-8e21-6c0d1b2a3f44';

export const message = {
  id: messageId, direction: 'out', type: 'street-sleeper.notice', from: '101', to: '165', conversationId, inReplyTo: null,
  consentId, payload: { citizen: { cpr: '0101801234', name: 'Jens Jensen' }, observed: { place: 'Hovedbanegården, København V', at: '2026-11-28T06:40:00Z' }, wishes: ['go-home'], outreachContact: { name: 'Mette Holm', phone: '+45 33 66 33 66' } },
  status: 'delivered', reason: null, signingKid: null, keyRevoked: false,
  createdAt: at, sentAt: '2026-11-28T09:30:01.000Z', receivedAt: null, deliveredAt: '2026-11-28T09:30:02.000Z', rejectedAt: null, failedAt: null,
};

export const sendAccepted = { id: messageId, conversationId, status: 'queued' };

const roles = { sender: { code: '101', name: 'København' }, receiver: { code: '165', name: 'Albertslund' } };

export const conversation = {
  id: conversationId, model: 'street-sleeper-handoff', state: 'notified', roles, agreementId: 'agreement-101-165',
  restricted: false, createdAt: at, updatedAt: at,
};

export const deadline = {
  conversationId, deadline: 'street-sleeper-response', kind: 'deadline', title: 'Svar på underretning om gadesover',
  reference: 'Aftale 101-165 § 3', startOn: '2026-11-28', dueOn: '2026-12-03', state: 'pending', dueSoon: false, metOn: null, metByMessageId: null,
};

export const timeline = {
  ...conversation, modelTitle: 'Gadesover: underretning og overdragelse', closed: false, ourRoles: ['sender'],
  timeline: [{ id: messageId, type: 'street-sleeper.notice', direction: 'out', from: '101', to: '165', inReplyTo: null, status: 'delivered', reason: null, createdAt: at, deliveredAt: '2026-11-28T09:30:02.000Z', receivedAt: null }],
  deadlines: [deadline],
};

export const consent = {
  id: consentId, status: 'active', citizen: { cpr: '0101801234', name: 'Jens Jensen' }, purpose: 'street-sleeper-handoff', recipients: ['165'],
  categories: ['identity', 'whereabouts', 'housing-situation', 'wishes'], source: 'citizen', method: 'oral',
  givenAt: '2026-11-27T06:45:00Z', expiresAt: '2027-02-27T06:45:00Z', recordedBy: 'token:5f1c2d3e:outreach', withdrawal: null,
};

export const withdrawnConsent = {
  ...consent, status: 'withdrawn', notified: ['165'],
  withdrawal: { withdrawnAt: '2026-12-01T10:00:00Z', method: 'oral', note: 'Said so at Hovedbanegården', recordedBy: 'token:5f1c2d3e:outreach' },
};

export const chainOk = { ok: true, entries: 1284 };
export const chainBroken = { ok: false, entries: 1284, firstBroken: { seq: 77, reason: 'hash does not match the entry' } };

export const key = {
  kid: '165-2026-11', municipality: '165', status: 'pending', use: 'sig', thumbprint: 'q0sZ1Yc9cM2v3WmY1kqJmQm0gGm1nH4XxS8n9Q6qH2A',
  fingerprint: 'AB12 CD34 EF56 7890 1A2B 3C4D 5E6F 7A8B 9C0D 1E2F', source: 'admin token:5f1c2d3e:admin', reason: null, replacesKid: null,
  validFrom: null, retireAt: null, expiresAt: '2028-11-28T00:00:00.000Z', createdAt: at,
};

export const keyList = {
  own: { current: '101-2026-01', fingerprint: '0A1B 2C3D 4E5F 6A7B 8C9D 0E1F 2A3B 4C5D 6E7F 8A9B', encryption: { current: '101-enc-2026-01', fingerprint: '1B2C 3D4E 5F6A 7B8C 9D0E 1F2A 3B4C 5D6E 7F8A 9B0C' } },
  partners: [{ ...key, status: 'active' }],
};

export const keyImport = {
  municipality: '165',
  jwk: { kty: 'EC', crv: 'P-256', kid: '165-2026-11', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
  expiresAt: '2028-11-28T00:00:00Z',
};

export const keyRotation = { kid: '101-2026-12', encryptionKid: '101-enc-2026-12', validFrom: '2026-12-05T09:30:00.000Z', replacesKid: '101-2026-01', announcedTo: ['147', '165'] };

export const token = { id: '5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', role: 'caseworker', label: 'Sagssystem Nexus', expiresAt: '2027-02-26T09:30:00.000Z', revokedAt: null, createdAt: at };

const line = {
  lineId: '1', citizen: { cpr: '0101801234', name: 'Jens Jensen' }, shelterId: 'solvang', stayConversationId: conversationId,
  admissionDate: '2026-10-20', firstDay: '2026-11-01', lastDay: '2026-11-30', days: 30, dailyRateOere: 33800, ownPaymentOere: 0, amountOere: 1014000,
};

const invoiceFields = {
  id: invoiceId, number: '161-2026-11-01-2026-11-30-1', direction: 'in', shelterCode: '161', payingCode: '101',
  periodFrom: '2026-11-01', periodTo: '2026-11-30', totalOere: 1014000, status: 'received', messageId, answerId: null, createdAt: at, updatedAt: at,
};

export const invoice = { ...invoiceFields, lines: [line] };

export const invoiceWithFigures = {
  ...invoice,
  figures: { acceptedOere: 1014000, disputedOere: 0, refundableDays: 30, estimatedStateRefusionOere: 507000, netCostOere: 507000, refusionRule: 'SEL § 110: half of the accepted cost (contracts/rules/section-110.json)' },
};

export const invoiceSummary = { ...invoiceFields, lineCount: 1, figures: {} };

export const invoiceDraft = { invoiceNumber: '161-2026-11-01-2026-11-30-1', periodFrom: '2026-11-01', periodTo: '2026-11-30', lines: [line], totalOere: 1014000, draft: true };

export const invoiceCsv = 'invoiceNumber;lineId;shelterId;firstDay;lastDay;days;dailyRateOere;amountOere\n161-2026-11-01-2026-11-30-1;1;solvang;2026-11-01;2026-11-30;30;33800;1014000\n';

export const report = {
  municipality: '101', today: '2026-11-28',
  stays: { total: 12, over120Days: 1, completed: 7, averageDaysCompleted: 64.3, source: 'Herning masterplan 2017 and Albertslund plan 2009: at most 120 days; admission and discharge days both count' },
  admissionNoticesPerShelterMunicipality: [{ shelterMunicipality: '161', total: 9, late: 1, pending: 1 }],
  streetSleeperNotices: { total: 20, answeredInTime: 17, answeredLate: 1, unansweredOverdue: 0, pending: 2 },
};

const deadLetter = {
  id: messageId, code: 'key_unknown', detail: 'kid 165-2026-11', deadLetteredAt: at, type: 'street-sleeper.notice', from: '165', to: '101',
  conversationId, createdAt: at, bytes: 1830,
};

export const deadLetters = { byCode: { key_unknown: 1 }, deadLetters: [deadLetter] };
export const replayed = { replayed: deadLetter };

export const health = { status: 'up', municipality: '101', checks: { database: 'up', broker: 'up' }, alerts: { keysExpiringSoon: [], keysPendingTooLong: [] } };
export const healthDown = { status: 'down', code: 'database_unavailable', municipality: '101', checks: { database: 'down', broker: 'up' } };

export const jwks = { keys: [{ kty: 'EC', crv: 'P-256', kid: '101-2026-01', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] };

export const metrics = '# HELP kb_messages_total Messages by direction, type and outcome\n# TYPE kb_messages_total counter\nkb_messages_total{direction="out",type="street-sleeper.notice",outcome="sent"} 3\n';

const checkpointJws = 'eyJhbGciOiJFUzI1NiIsImtpZCI6IjEwMS0yMDI2LTAxIn0.eyJraW5kIjoibG9nLWNoZWNrcG9pbnQifQ.c2lnbmF0dXJl';
export const checkpoint = { at: at, audit: { seq: 1284, hash: 'a3f1…' }, consent: { seq: 310, hash: '9c0d…' }, kid: '101-2026-01', jws: checkpointJws };
export const checkpointMade = { checkpoint, sentTo: ['147', '165'] };
export const witnessFile = {
  witnessedBy: '165', from: '101',
  checkpoints: [{ from: '101', at, auditSeq: 1284, consentSeq: 310, jws: checkpointJws, messageId, receivedAt: '2026-11-28T09:30:02.000Z' }],
};
export const logsReport = { ok: true, audit: { ...chainOk, checkpoints: [{ seq: 1284, label: 'checkpoint witnessed by 165 (signed 2026-11-28T09:30:00.000Z)' }] }, consent: { ok: true, entries: 310 }, rejected: [] };

export const evidence = {
  format: 'kommunebro-evidence/1',
  issuedBy: { municipality: '101', name: 'København' },
  issuedAt: '2026-12-04T08:00:00.000Z',
  message: { id: messageId, direction: 'out', type: 'street-sleeper.notice', from: '101', to: '165', conversationId, createdAt: at, status: 'delivered', jws: 'eyJhbGciOiJFUzI1NiJ9.eyJpZCI6Ii4uLiJ9.c2ln' },
  signal: { type: 'receipt', from: '165', to: '101', messageId, receivedAt: '2026-11-28T09:30:02.000Z', jws: 'eyJhbGciOiJFUzI1NiJ9.eyJ0eXBlIjoicmVjZWlwdCJ9.c2ln' },
  keys: [{ kid: '165-2026-11', municipality: '165', jwk: jwks.keys[0], fingerprint: key.fingerprint, owner: 'partner', stateNow: 'active', stateAtUse: 'active (approved before the receipt arrived)' }],
  audit: {
    hashing: 'hash = SHA-256 hex of the canonical JSON of {seq, at, actor, action, outcome, code, messageId, detail, prevHash}', genesisHash: '0000…', head: { seq: 1290, hash: 'b4e2…' },
    entries: [{ seq: 1201, at, actor: 'token:5f1c2d3e:outreach', action: 'message.send', outcome: 'done', messageId, prevHash: '77aa…', hash: '88bb…' }],
  },
  deadlines: [{ deadline: 'street-sleeper-response', title: 'Svar på underretning om gadesover', kind: 'deadline', basis: null, reference: 'Aftale 101-165 § 3', relation: 'started-by-message', rule: { startsWith: { type: 'street-sleeper.notice' }, duration: { workingDays: 3 }, agreementId: 'agreement-101-165' }, startOn: '2026-11-28', dueOn: '2026-12-03', calendar: '3 working days; Danish public holidays (domain/calendar.ts)' }],
};

const party = (code: string, name: string) => ({ code, name });
export const citizenReport = {
  municipality: party('101', 'København'), generatedAt: '2026-12-04T08:00:00.000Z', purpose: 'Aktindsigt efter anmodning fra borgeren',
  messages: [{ id: messageId, direction: 'out', type: 'street-sleeper.notice', from: party('101', 'København'), to: party('165', 'Albertslund'), conversationId, createdAt: at, receivedAt: null, status: 'delivered', data: message.payload }],
  consents: [consent],
  receivedUnderConsent: [],
  lookups: [{ at: '2026-11-29T10:00:00.000Z', actor: 'token:5f1c2d3e:caseworker', action: 'consent.lookup', purpose: 'Opfølgning på underretning', requestId: '2f0c8f0e-7f0b-4b8e-9a34-1d9c2b6e5a10' }],
  completeness: { messagesTruncated: false, messageLimit: 1000, auditEntriesScanned: 1290, auditScanLimit: 20000, auditScanTruncated: false, lookupsLinkedBy: 'the consent, message, conversation and invoice ids a look-up showed' },
};
