import { parseCompactJws } from '../crypto/jws.ts';
import { phoneFingerprint } from '../crypto/keys.ts';
import { municipalityName } from '../config/municipalities.ts';
import { copenhagenDate, dueRule } from '../domain/calendar.ts';
import { deadlineStatus } from '../domain/conversation.ts';
import { genesisHash } from '../domain/chain-hash.ts';
import { Refusal } from '../domain/errors.ts';
import { auditHashing, evidenceFormat, type EvidenceBundle, type EvidenceDeadline, type EvidenceKey, type HashedEntry } from '../domain/evidence.ts';
import type { MessageRecord } from '../data/messages.ts';
import type { Caller, Parts } from '../parts.ts';

export type EvidenceDeps = Pick<Parts, 'municipality' | 'messages' | 'conversations' | 'contracts' | 'audit' | 'trust' | 'ownKeys' | 'now'>;

/**
 * One message as a self-contained, offline-checkable file (domain/evidence.ts): its signed form,
 * the signed receipt or error signal, the keys that verify them with their trust state, its audit
 * entries with their hashes, and the deadlines it met or started with how they were computed.
 * Handing it out is audited: it holds the payload.
 */
export async function evidenceBundle(deps: EvidenceDeps, caller: Caller, id: string): Promise<EvidenceBundle> {
  const message = await deps.messages.find(id);
  if (!message) throw new Refusal('not_found', 'no message with that id');
  const forms = await deps.messages.signedForms(id);
  if (!forms?.jws) throw new Refusal('evidence_unavailable', `the message is ${message.status} and has no signed form yet`);
  const signal = forms.signalJws ? signalClaims(forms.signalJws) : null;
  const deadlines = await deadlinesOf(deps, message);
  const signedParts = [forms.jws, forms.signalJws, ...deadlines.map((d) => d.startedBy?.jws)].filter((j): j is string => !!j);
  const keys = await keysOf(deps, message, signedParts);
  const entries = new Map<number, HashedEntry>();
  for (const e of await deps.audit.withHashes({ messageId: id })) entries.set(e.seq, e);
  for (const key of keys.filter((k) => k.owner === 'partner')) for (const e of await deps.audit.withHashes({ kid: key.kid })) entries.set(e.seq, e);
  const bundle: EvidenceBundle = {
    format: evidenceFormat,
    issuedBy: { municipality: deps.municipality, name: municipalityName(deps.municipality) },
    issuedAt: deps.now().toISOString(),
    message: { id, direction: message.direction, type: message.type, from: message.from, to: message.to, conversationId: message.conversationId, createdAt: message.createdAt, status: message.status, jws: forms.jws },
    signal: signal && forms.signalJws ? { ...signal, jws: forms.signalJws } : null,
    keys,
    audit: { hashing: auditHashing, genesisHash, head: await deps.audit.head(), entries: [...entries.values()].sort((a, b) => a.seq - b.seq) },
    deadlines,
  };
  await deps.audit.record({ actor: caller.subject, action: 'message.evidence', outcome: 'done', messageId: id, detail: { role: caller.role } });
  return bundle;
}

/** What the signal claims; the offline check holds these against its verified signature. */
function signalClaims(jws: string) {
  const { claims } = parseCompactJws(jws);
  const payload = (claims.payload ?? {}) as Record<string, unknown>;
  return {
    type: claims.type === 'error' ? ('error' as const) : ('receipt' as const),
    from: String(claims.from),
    to: String(claims.to),
    messageId: String(payload.messageId),
    ...(typeof payload.receivedAt === 'string' ? { receivedAt: payload.receivedAt } : {}),
    ...(typeof payload.code === 'string' ? { code: payload.code } : {}),
  };
}

/** The key of every signed part: ours from the key folder, a partner's from the trust store. */
async function keysOf(deps: EvidenceDeps, message: MessageRecord, signedParts: string[]): Promise<EvidenceKey[]> {
  const keys = new Map<string, EvidenceKey>();
  for (const jws of signedParts) {
    const { kid, claims } = parseCompactJws(jws);
    if (keys.has(kid)) continue;
    if (claims.from === deps.municipality) {
      const own = await deps.ownKeys.publicKey(kid);
      if (!own) continue;
      keys.set(kid, {
        kid, municipality: deps.municipality, jwk: own.jwk, fingerprint: await phoneFingerprint(own.jwk), owner: 'issuer', stateNow: own.state,
        stateAtUse: 'signing key', basis: 'a node signs only with its current own key (crypto/own-keys.ts)',
      });
      continue;
    }
    const partner = await deps.trust.find(kid);
    if (!partner) continue;
    const usedAt = message.direction === 'in' ? message.receivedAt : (message.deliveredAt ?? message.rejectedAt);
    keys.set(kid, {
      kid, municipality: partner.municipality, jwk: partner.jwk, fingerprint: await phoneFingerprint(partner.jwk), owner: 'partner', stateNow: partner.status,
      stateAtUse: 'active',
      basis: `the inbound pipeline verifies only with an active key of the claimed municipality (pipeline/inbound.ts), and it accepted this signed part${usedAt ? ` at ${usedAt}` : ''}; the key's audit entries below show its life`,
    });
  }
  return [...keys.values()];
}

/** The model's deadlines that this message met, or that it started, each with its rule. */
async function deadlinesOf(deps: EvidenceDeps, message: MessageRecord): Promise<EvidenceDeadline[]> {
  const conversation = await deps.conversations.find(message.conversationId);
  if (!conversation) return [];
  const agreement = deps.contracts.agreements.find((a) => a.id === conversation.agreementId);
  const rules = deps.contracts.deadlines(conversation.model, agreement);
  const messages = (await deps.messages.list({ conversationId: message.conversationId, limit: 1000 })).reverse();
  const today = copenhagenDate(deps.now());
  const result: EvidenceDeadline[] = [];
  for (const record of await deps.conversations.deadlines({ conversationId: message.conversationId })) {
    const rule = rules.find((r) => r.id === record.deadlineId);
    if (!rule) continue;
    const starter = messages.find((m) => m.type === rule.startsWith.type);
    const relation = record.metByMessageId === message.id ? 'met-by-message' : starter?.id === message.id ? 'started-by-message' : undefined;
    if (!relation) continue;
    const startedByOther = relation === 'met-by-message' && starter && starter.id !== message.id ? starter : undefined;
    const starterJws = startedByOther ? (await deps.messages.signedForms(startedByOther.id))?.jws : undefined;
    result.push({
      deadline: record.deadlineId,
      title: record.title,
      kind: record.kind,
      basis: rule.basis ?? null,
      reference: record.reference,
      relation,
      rule: { startsWith: rule.startsWith, duration: rule.duration, agreementId: agreement?.id ?? null },
      startOn: record.startOn,
      dueOn: record.dueOn,
      calendar: dueRule(record.startOn, rule.duration).calendar,
      metOn: record.metOn,
      metByMessageId: record.metByMessageId,
      cancelled: record.cancelledAt !== null,
      state: deadlineStatus(record, today),
      judgedOn: today,
      startedBy: startedByOther && starterJws ? { messageId: startedByOther.id, jws: starterJws } : null,
    });
  }
  return result;
}
