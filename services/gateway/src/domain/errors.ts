// Every refusal has one stable code, used alike in HTTP problems, error signals to partners,
// the audit log, logs and metrics. Texts never hold personal data (no CPR, no payload values).

export const refusals = {
  unauthenticated: { status: 401, title: 'A valid bearer token is required' },
  role_forbidden: { status: 403, title: 'Your role may not do this' },
  csrf_invalid: { status: 403, title: 'A change made with a console session needs its X-CSRF-Token header' },
  body_malformed: { status: 400, title: 'The request body is not valid JSON' },
  request_invalid: { status: 400, title: 'The request is malformed' },
  request_too_large: { status: 413, title: 'The request body is too large' },
  body_too_complex: { status: 400, title: 'The request body is nested too deep or has too many values' },
  headers_too_large: { status: 431, title: 'The request line or headers are too large' },
  not_found: { status: 404, title: 'Not found' },
  query_invalid: { status: 400, title: 'A query parameter is invalid' },
  envelope_invalid: { status: 400, title: 'The message envelope is invalid' },
  schema_invalid: { status: 400, title: 'The payload does not match its schema' },
  unknown_type: { status: 400, title: 'No collaboration model defines this message type' },
  contract_forbids: { status: 403, title: 'The collaboration model does not allow this message' },
  no_agreement: { status: 403, title: 'No valid partner agreement allows this message' },
  state_forbids: { status: 409, title: 'The conversation is not in a state that allows this message' },
  reply_unknown: { status: 422, title: 'The reply names no message of this conversation that its sender received' },
  system_only: { status: 403, title: 'Only the node itself sends this type (through its own endpoint)' },
  consent_missing: { status: 422, title: 'The message needs a consent as its legal basis' },
  consent_withdrawn: { status: 422, title: 'The consent was withdrawn: nothing more is shared under it' },
  consent_expired: { status: 422, title: 'The consent has expired' },
  consent_scope: { status: 422, title: 'The consent does not cover this citizen, purpose, recipient or information' },
  citizen_header_missing: { status: 400, title: 'Send the CPR number in the X-Citizen-CPR header, never in the URL' },
  purpose_missing: { status: 400, title: 'A look-up of a citizen needs its purpose in the X-Purpose header' },
  citizen_cpr_invalid: { status: 400, title: 'The X-Citizen-CPR header does not hold a plausible CPR number' },
  evidence_unavailable: { status: 409, title: 'The message has no signed form yet, so there is no evidence of it' },
  message_too_large: { status: 413, title: 'The message exceeds the size limit' },
  jws_malformed: { status: 400, title: 'The message is not a well-formed JWS' },
  alg_not_allowed: { status: 400, title: 'Only ES256 signatures are accepted' },
  key_unknown: { status: 400, title: 'The signing key is not in the trust store' },
  key_wrong_municipality: { status: 400, title: 'The signing key belongs to another municipality' },
  key_not_active: { status: 400, title: 'The signing key is not active' },
  key_invalid: { status: 400, title: 'The key is not a usable public ES256 key for this municipality' },
  key_state_forbids: { status: 409, title: 'The key is not in a state that allows this' },
  key_announcement_invalid: { status: 400, title: 'A key rotation must be signed with the key it replaces' },
  checkpoint_invalid: { status: 400, title: 'The checkpoint is not signed by the node it is about, or is about another node' },
  transport_sender_mismatch: { status: 400, title: "The broker user that published the message is not the claimed municipality's" },
  too_many_failures: { status: 429, title: 'Too many failed authentication attempts; wait as Retry-After says' },
  invoice_empty: { status: 422, title: 'No stay of the paying municipality falls in the period' },
  no_daily_rate: { status: 422, title: 'The agreement has no daily rate for a shelter on a billed day' },
  invoice_state_forbids: { status: 409, title: 'The invoice is not in a state that allows this' },
  signature_invalid: { status: 400, title: 'The signature does not verify' },
  decryption_failed: { status: 400, title: 'The message is not a JWE that decrypts with a key of this node' },
  encryption_required: { status: 400, title: 'A message other than a receipt or error signal must arrive encrypted to the recipient' },
  recipient_key_missing: { status: 422, title: 'The recipient has no active encryption key in the trust store' },
  wrong_recipient: { status: 400, title: 'The message is not addressed to this node' },
  message_expired: { status: 400, title: 'The message has expired' },
  expiry_invalid: { status: 400, title: 'expiresAt must lie after createdAt and at most the message lifetime after it' },
  created_in_future: { status: 400, title: 'createdAt lies in the future beyond the allowed clock skew' },
  id_collision: { status: 409, title: 'The message id is already used by another message' },
  unsolicited_signal: { status: 400, title: 'The receipt or error refers to no message sent to its sender' },
  retries_exhausted: { status: 503, title: 'Processing failed repeatedly on a transient error' },
  idempotency_key_invalid: { status: 400, title: 'The Idempotency-Key header is not a usable key' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used for a different request' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still being handled' },
  database_unavailable: { status: 503, title: 'The database is unreachable for the moment; try again after Retry-After seconds' },
  broker_unavailable: { status: 503, title: 'The message broker is unreachable for the moment; try again after Retry-After seconds' },
  internal_error: { status: 500, title: 'Internal error' },
} as const;

export type RefusalCode = keyof typeof refusals;

export interface SchemaProblem {
  pointer: string;
  message: string;
}

/** A permanent refusal: retrying the same input cannot succeed. */
export class Refusal extends Error {
  readonly permanent = true;
  constructor(
    readonly code: RefusalCode,
    readonly detail?: string,
    readonly problems?: SchemaProblem[],
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
  get status(): number {
    return refusals[this.code].status;
  }
  get title(): string {
    return refusals[this.code].title;
  }
}

/**
 * The one place that decides what happens after a failure: a Refusal is permanent (dead-letter it,
 * answer 4xx, never retry: bullmq's UnrecoverableError plays the same part); anything else is a
 * failure of something we depend on (database, broker) or a bug, and is retried with backoff.
 */
export function isPermanent(error: unknown): error is Refusal {
  return error instanceof Refusal;
}

/** Exponential backoff with jitter (half fixed, half random), so many deliveries that failed together do not retry together. */
export function backoffMs(attempt: number, policy: { firstDelayMs: number; maxDelayMs: number }, random = Math.random): number {
  const ceiling = Math.min(policy.firstDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
