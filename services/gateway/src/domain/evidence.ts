import { dueRule, copenhagenDate, type Duration, type IsoDate } from './calendar.ts';
import { auditEntryContent, entryHash, genesisHash } from './chain-hash.ts';
import { deadlineStatus, type DeadlineStatus } from './conversation.ts';

// An evidence bundle: one message with everything needed to check it later with no node and no
// network (use-cases/evidence.ts builds it, cli/evidence.ts checks it). The signed parts are the
// proof; every other field is a claim of the issuing node that the check compares with them.

export const evidenceFormat = 'kommunebro-evidence/1';

export interface EvidenceKey {
  kid: string;
  municipality: string;
  /** The public key (JWK) that verifies the signed parts naming this kid. */
  jwk: Record<string, unknown>;
  /** crypto/keys.ts phoneFingerprint: what the two admins read to each other. */
  fingerprint: string;
  /** The issuing node's own key, or a partner's key from its trust store. */
  owner: 'issuer' | 'partner';
  /** Partner key: pending, pending-rotation, active, retired, revoked. Own key: current, next, retired. */
  stateNow: string;
  /** The key's state when it was used, and how that is known. */
  stateAtUse: string;
  basis: string;
}

export interface HashedEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  code?: string;
  messageId?: string;
  detail?: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface EvidenceDeadline {
  deadline: string;
  title: string;
  kind: string;
  basis: string | null;
  /** The rule's source as the node stored it when the clock started. */
  reference: string;
  relation: 'met-by-message' | 'started-by-message';
  rule: { startsWith: { type: string; dateField?: string }; duration: Duration; agreementId: string | null };
  startOn: IsoDate;
  dueOn: IsoDate;
  /** How the due day was counted (domain/calendar.ts dueRule), with the counting rule's source. */
  calendar: string;
  metOn: IsoDate | null;
  metByMessageId: string | null;
  cancelled: boolean;
  state: DeadlineStatus;
  /** The Copenhagen day on which the state was judged (the day the bundle was issued). */
  judgedOn: IsoDate;
  /** The signed message that started the clock, when it is not the bundle's message. */
  startedBy: { messageId: string; jws: string } | null;
}

export interface EvidenceBundle {
  format: typeof evidenceFormat;
  issuedBy: { municipality: string; name: string };
  issuedAt: string;
  message: {
    id: string;
    direction: 'in' | 'out';
    type: string;
    from: string;
    to: string;
    conversationId: string;
    createdAt: string;
    status: string;
    /** The compact JWS exactly as sent (outbound) or received (inbound). */
    jws: string;
  };
  /** The partner's receipt or error signal (outbound), or our own receipt (inbound), as a compact JWS. */
  signal: { type: 'receipt' | 'error'; from: string; to: string; messageId: string; receivedAt?: string; code?: string; jws: string } | null;
  keys: EvidenceKey[];
  audit: {
    hashing: string;
    genesisHash: string;
    /** The issuing node's last audit entry when the bundle was made. */
    head: { seq: number; hash: string };
    entries: HashedEntry[];
  };
  deadlines: EvidenceDeadline[];
}

export const auditHashing =
  'hash = SHA-256 hex of the canonical JSON (keys sorted at every level, no whitespace) of {seq, at, actor, action, outcome, code, messageId, detail, prevHash}; absent code, messageId, detail count as null; the first entry links to genesisHash';

export interface Finding {
  ok: boolean;
  check: string;
}

/** Every entry recomputes to its hash, and entries that follow each other in the chain link. */
export function checkAuditEntries(entries: HashedEntry[]): Finding[] {
  const findings = entries.map((e) => ({
    ok: typeof e.prevHash === 'string' && entryHash(auditEntryContent(e), e.prevHash) === e.hash,
    check: `audit entry ${e.seq} (${e.action}) recomputes to its hash`,
  }));
  for (let i = 1; i < entries.length; i++) {
    const [before, after] = [entries[i - 1]!, entries[i]!];
    if (after.seq <= before.seq) findings.push({ ok: false, check: `audit entries are in chain order (${before.seq} before ${after.seq})` });
    if (after.seq === before.seq + 1) findings.push({ ok: after.prevHash === before.hash, check: `audit entry ${after.seq} links to entry ${before.seq}` });
  }
  const first = entries[0];
  if (first?.seq === 1) findings.push({ ok: first.prevHash === genesisHash, check: 'audit entry 1 links to the genesis hash' });
  return findings;
}

/** The signed facts a deadline is checked against: the bundle's message and, when another one started the clock, that one. */
export interface SignedFacts {
  message: { id: string; type: string; conversationId: string; createdAt: string; payload: Record<string, unknown> };
  startedBy?: { id: string; type: string; conversationId: string; createdAt: string; payload: Record<string, unknown> };
}

/** The due day recomputes from the rule; the start and the day it was met come from the signed messages. */
export function checkDeadline(d: EvidenceDeadline, signed: SignedFacts): Finding[] {
  const name = `deadline ${d.deadline}`;
  const findings: Finding[] = [];
  let due: ReturnType<typeof dueRule> | undefined;
  try {
    due = dueRule(d.startOn, d.rule.duration);
  } catch {
    due = undefined;
  }
  findings.push({ ok: due?.dueOn === d.dueOn, check: `${name}: ${d.rule.duration.amount} ${d.rule.duration.unit} from ${d.startOn} end on ${d.dueOn}` });
  const starter = d.relation === 'started-by-message' || d.startedBy === null ? signed.message : signed.startedBy;
  const startIsSigned =
    !!starter &&
    starter.type === d.rule.startsWith.type &&
    starter.conversationId === signed.message.conversationId &&
    (d.rule.startsWith.dateField ? starter.payload[d.rule.startsWith.dateField] === d.startOn : copenhagenDate(new Date(starter.createdAt)) === d.startOn);
  findings.push({ ok: startIsSigned, check: `${name}: its start ${d.startOn} is in the signed ${d.rule.startsWith.type}` });
  if (d.relation === 'met-by-message') {
    const sentOn = copenhagenDate(new Date(signed.message.createdAt));
    findings.push({ ok: d.metByMessageId === signed.message.id && d.metOn === sentOn, check: `${name}: met by this message on the day it was made, ${sentOn}` });
  }
  const state = deadlineStatus({ dueOn: d.dueOn, metOn: d.metOn, cancelledAt: d.cancelled ? new Date(0) : null }, d.judgedOn);
  findings.push({ ok: state === d.state, check: `${name}: its state is ${d.state}` });
  return findings;
}
