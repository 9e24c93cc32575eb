import { randomUUID } from 'node:crypto';

/** A valid street-sleeper notice request as an outreach worker in København would send it. */
export function noticeRequest(to = '165', overrides: Record<string, unknown> = {}) {
  return {
    type: 'street-sleeper.notice',
    to,
    consentId: 'consent-test-1',
    payload: {
      citizen: { cpr: '0101801234', name: 'Jens Jensen' },
      observed: { place: 'Hovedbanegården, København V', at: '2026-11-27T06:40:00Z' },
      wishes: ['go-home'],
      outreachContact: { name: 'Mette Holm', phone: '+45 33 66 33 66' },
    },
    ...overrides,
  };
}

/** A full envelope (as the relay would sign it) for crafting messages by hand. */
export function noticeEnvelope(from: string, to: string, overrides: Record<string, unknown> = {}) {
  const now = new Date();
  return {
    id: randomUUID(),
    type: 'street-sleeper.notice',
    from,
    to,
    conversationId: randomUUID(),
    consentId: 'consent-test-1',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
    payload: noticeRequest(to).payload,
    ...overrides,
  };
}

/** A § 110 admission notice request from the shelter's municipality. */
export function admissionRequest(_shelterMunicipality: string, handling: string, shelterId: string, overrides: Record<string, unknown> = {}, decisionDate = '2026-11-23') {
  return {
    type: 'shelter.admission-notice',
    to: handling,
    payload: {
      citizen: { cpr: '0101801234', name: 'Jens Jensen' },
      shelterId,
      admissionDecisionDate: decisionDate,
      admissionDate: decisionDate,
      admittedBy: 'own-application',
      handlingBasis: { lastResidenceMunicipality: handling, lastAddress: 'Last known address' },
      shelterContact: { name: 'Lene Berg', phone: '43 23 00 00' },
    },
    ...overrides,
  };
}

/** A consent as an outreach worker records it: this citizen, street-sleeper handoff to Albertslund. */
export function consentRequest(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    citizen: { cpr: '0101801234', name: 'Jens Jensen' },
    purpose: 'street-sleeper-handoff',
    recipients: ['165'],
    categories: ['identity', 'whereabouts', 'housing-situation', 'wishes'],
    source: 'citizen',
    sourceNote: 'The citizen himself, in conversation with the outreach team',
    method: 'oral',
    givenAt: new Date(now - 3600_000).toISOString(),
    expiresAt: new Date(now + 90 * 86_400_000).toISOString(),
    ...overrides,
  };
}
