// Longer than 250 lines: it is the kit's one table of rules, one short entry per rule of
// docs/PROTOCOL.md, kept together so a reader sees every rule the kit checks and its section.
import { randomUUID } from 'node:crypto';
import { b64url, es256, generatePartnerKey, signCompact } from './jws.ts';
import { municipalityCodes } from './schemas.ts';
import type { Arrival, Envelope, ReferencePartner } from './partner.ts';

export type Verdict = { outcome: 'pass' | 'fail' | 'skip'; detail?: string };

export interface Rule {
  id: string;
  /** The section of docs/PROTOCOL.md that states the rule. */
  section: string;
  title: string;
  /** 'last': runs after every other rule has ended. */
  phase?: 'last';
  run: (kit: Kit) => Promise<Verdict>;
}

const pass = (detail?: string): Verdict => ({ outcome: 'pass', detail });
const fail = (detail: string): Verdict => ({ outcome: 'fail', detail });
const skip = (detail: string): Verdict => ({ outcome: 'skip', detail });

/** The collaboration the kit plays (contracts/models/street-sleeper-handoff.json): outreach (kit) → home (node). */
export const scenario = {
  opening: 'street-sleeper.notice',
  followUp: 'street-sleeper.update',
  answer: 'street-sleeper.response',
  consentId: 'conformance-kit-consent',
} as const;

/** The protocol's time rules (docs/PROTOCOL.md §6): lifetime of a message and the clock skew a node allows. */
export const lifetimeMs = 30 * 24 * 3600_000;
export const clockSkewMs = 5 * 60_000;

interface Sent {
  envelope: Envelope;
  jws: string;
}

/** What the rules share: the partner, and exchanges that several rules build on, made once. */
export class Kit {
  private openingRun?: Promise<{ sent: Sent; receipt: Arrival }>;
  private answerRun?: Promise<Arrival>;
  /** The slowest signal seen so far: a refusal without a signal waits at least three times that. */
  slowestSignalMs = 0;

  constructor(readonly partner: ReferencePartner) {}

  get options() {
    return this.partner.options;
  }

  /** A valid message of the opening type, in a new conversation; `overrides` change envelope fields. */
  openingEnvelope(overrides: Partial<Envelope> = {}): Envelope {
    return this.partner.envelope(scenario.opening, this.partner.schemas.example(scenario.opening), { consentId: scenario.consentId, ...overrides });
  }

  /** Signs with the kit's approved key and sends as a message. */
  async sendSigned(envelope: Envelope | Record<string, unknown>): Promise<Sent> {
    const jws = signCompact(this.partner.key, envelope);
    await this.partner.send({ body: jws, messageId: String(envelope.id), kind: 'message' });
    return { envelope: envelope as Envelope, jws };
  }

  async sendRaw(body: string, messageId: string, kind: 'message' | 'signal' = 'message'): Promise<void> {
    await this.partner.send({ body, messageId, kind });
  }

  /** The valid opening message with its receipt; every rule that needs an open conversation builds on it. */
  opening(): Promise<{ sent: Sent; receipt: Arrival }> {
    this.openingRun ??= (async () => {
      const sent = await this.sendSigned(this.openingEnvelope());
      const receipt = await this.signal(sent.envelope.id);
      if (!receipt) throw new Error(`no receipt for the valid ${scenario.opening} within ${this.options.timeoutMs} ms`);
      return { sent, receipt };
    })();
    return this.openingRun;
  }

  /** The node answers the opening message through its own API (needs --caseworker-token): its message to the kit. */
  answer(): Promise<Arrival> {
    this.answerRun ??= (async () => {
      const { sent } = await this.opening();
      const payload = this.partner.schemas.example(scenario.answer);
      const id = await this.partner.nodeSends({ type: scenario.answer, to: this.options.partnerCode, conversationId: sent.envelope.conversationId, inReplyTo: sent.envelope.id, payload });
      const arrival = await this.partner.waitFor((a) => a.claims.id === id);
      if (!arrival) throw new Error(`the node's ${scenario.answer} ${id} did not arrive within ${this.options.timeoutMs} ms`);
      return arrival;
    })();
    return this.answerRun;
  }

  async signal(messageId: string): Promise<Arrival | undefined> {
    const started = Date.now();
    const arrival = await this.partner.waitForSignal(messageId);
    if (arrival) this.slowestSignalMs = Math.max(this.slowestSignalMs, Date.now() - started);
    return arrival;
  }

  /** Problems with a receipt or error signal about `original`: signature, envelope, addressing, payload, AMQP properties, times. */
  async signalProblems(arrival: Arrival, original: Pick<Envelope, 'id' | 'conversationId'>, type: 'receipt' | 'error'): Promise<string[]> {
    const { claims } = arrival;
    const problems = await this.partner.signatureProblems(arrival);
    problems.push(...this.partner.schemas.problems('envelope', claims).map((p) => `envelope ${p}`));
    if (claims.type !== type) problems.push(`type is ${claims.type}, expected ${type}`);
    if (claims.from !== this.options.nodeCode) problems.push(`from is ${claims.from}, expected ${this.options.nodeCode}`);
    if (claims.to !== this.options.partnerCode) problems.push(`to is ${claims.to}, expected ${this.options.partnerCode}`);
    if (claims.inReplyTo !== original.id) problems.push(`inReplyTo is ${claims.inReplyTo}, expected the message's id`);
    if (claims.conversationId !== original.conversationId) problems.push(`conversationId is ${claims.conversationId}, expected ${original.conversationId}`);
    if (claims.consentId !== undefined) problems.push('a signal carries no consentId');
    problems.push(...this.partner.schemas.problems(type, claims.payload).map((p) => `payload ${p}`));
    problems.push(...transportProblems(arrival), ...timeProblems(claims));
    return problems;
  }

  async expectReceipt(sent: Sent): Promise<Verdict> {
    const arrival = await this.signal(sent.envelope.id);
    if (!arrival) return fail(`no receipt within ${this.options.timeoutMs} ms`);
    if (arrival.claims.type === 'error') return fail(`refused with ${arrival.claims.payload?.code}: ${arrival.claims.payload?.detail ?? ''}`);
    const problems = await this.signalProblems(arrival, sent.envelope, 'receipt');
    return problems.length ? fail(`receipt: ${problems.join('; ')}`) : pass('signed receipt verifies with the published key');
  }

  async expectError(sent: { envelope: Pick<Envelope, 'id' | 'conversationId'> }, code: string): Promise<Verdict> {
    const arrival = await this.signal(sent.envelope.id);
    if (!arrival) return fail(`no error signal within ${this.options.timeoutMs} ms`);
    if (arrival.claims.type === 'receipt') return fail('accepted (a receipt came back)');
    const problems = await this.signalProblems(arrival, sent.envelope, 'error');
    if (arrival.claims.payload?.code !== code) problems.unshift(`code is ${arrival.claims.payload?.code}, expected ${code}`);
    return problems.length ? fail(`error signal: ${problems.join('; ')}`) : pass(`error signal ${code}`);
  }

  /** No signal about `messageId` (beyond `allowed` earlier ones) while the node had ample time to send one. */
  async expectSilence(messageId: string, allowed = 0): Promise<Verdict> {
    const quiet = Math.max(this.options.quietMs, 3 * this.slowestSignalMs);
    await new Promise((r) => setTimeout(r, quiet));
    const signals = this.partner.signalsAbout(messageId).slice(allowed);
    if (signals.length === 0) return pass(`no signal within ${quiet} ms`);
    const s = signals[0]!;
    return fail(`a ${s.claims.type}${s.claims.payload?.code ? ` (${s.claims.payload.code})` : ''} came back`);
  }
}

/** AMQP properties of what the node publishes (docs/PROTOCOL.md §2.5). */
function transportProblems(arrival: Arrival): string[] {
  const problems: string[] = [];
  if (arrival.properties.messageId !== arrival.claims.id) problems.push(`AMQP message-id ${arrival.properties.messageId} is not the envelope id`);
  if (arrival.properties.deliveryMode !== 2) problems.push('not published persistent (delivery-mode 2)');
  if (!arrival.properties.userId) problems.push('published without user_id');
  if (arrival.properties.contentType !== 'application/jose') problems.push(`content-type is ${arrival.properties.contentType}, not application/jose`);
  return problems;
}

/** A node's own envelopes keep the time rules it enforces. */
function timeProblems(claims: Record<string, any>): string[] {
  const created = Date.parse(claims.createdAt);
  const expires = Date.parse(claims.expiresAt);
  if (Number.isNaN(created) || Number.isNaN(expires)) return ['createdAt or expiresAt is not a date-time'];
  const problems: string[] = [];
  if (created > Date.now() + clockSkewMs) problems.push('createdAt is in the future');
  if (expires <= created || expires - created > lifetimeMs) problems.push('expiresAt is not after createdAt within the lifetime');
  return problems;
}

const someOtherMunicipality = (kit: Kit) => [...municipalityCodes].find((c) => c !== kit.options.nodeCode && c !== kit.options.partnerCode)!;

const minutes = (n: number) => n * 60_000;
const at = (ms: number) => new Date(ms).toISOString();

/** Receipts and refusals that an authentic sender is told about, by error signal. */
const refusedWithSignal = (id: string, section: string, title: string, code: string, build: (kit: Kit) => Envelope | Record<string, unknown>): Rule => ({
  id,
  section,
  title,
  run: async (kit) => kit.expectError(await kit.sendSigned(build(kit)) as never, code),
});

/** Refusals before the sender is known to be authentic: dead-lettered, never answered. */
const refusedSilently = (id: string, section: string, title: string, build: (kit: Kit) => { body: string; messageId: string; kind?: 'message' | 'signal' } | Promise<{ body: string; messageId: string; kind?: 'message' | 'signal' }>): Rule => ({
  id,
  section,
  title,
  run: async (kit) => {
    const { body, messageId, kind } = await build(kit);
    await kit.sendRaw(body, messageId, kind);
    return kit.expectSilence(messageId);
  },
});

/** A valid envelope signed by the kit with a chosen header. */
function withHeader(kit: Kit, header: Record<string, unknown>) {
  const envelope = kit.openingEnvelope();
  const input = `${b64url(header)}.${b64url(envelope)}`;
  return { envelope, input };
}

export const rules: Rule[] = [
  {
    id: 'valid-message',
    section: '§9.1',
    title: 'a valid message gets a signed receipt that verifies with the key the node publishes',
    run: async (kit) => {
      const { sent } = await kit.opening();
      return kit.expectReceipt(sent);
    },
  },
  {
    id: 'replay',
    section: '§7.2',
    title: 'the same signed message again is not processed again: no new receipt',
    run: async (kit) => {
      const { sent } = await kit.opening();
      await kit.sendRaw(sent.jws, sent.envelope.id);
      return kit.expectSilence(sent.envelope.id, 1);
    },
  },
  {
    id: 'replay-altered',
    section: '§7.2',
    title: 'another message under an id already accepted from the kit is not processed: no new receipt',
    run: async (kit) => {
      const first = await kit.sendSigned(kit.openingEnvelope());
      const accepted = await kit.expectReceipt(first);
      if (accepted.outcome !== 'pass') return fail(`the first message was not accepted: ${accepted.detail}`);
      await kit.sendSigned(kit.openingEnvelope({ id: first.envelope.id }));
      return kit.expectSilence(first.envelope.id, 1);
    },
  },
  {
    id: 'published-keys',
    section: '§4.1',
    title: 'the node publishes only public P-256 keys at /.well-known/jwks.json, each with a kid naming the node',
    run: async (kit) => {
      const keys = await kit.partner.publishedKeys();
      const problems = keys.flatMap((k) => {
        const named = String(k.kid);
        if (k.kty !== 'EC' || k.crv !== 'P-256') return [`${named} is not an EC P-256 key`];
        if ('d' in k) return [`${named} has a private part`];
        return named.startsWith(`${kit.options.nodeCode}-`) ? [] : [`kid ${named} does not start with ${kit.options.nodeCode}-`];
      });
      if (keys.length === 0) problems.push('no keys');
      return problems.length ? fail(problems.join('; ')) : pass(`${keys.length} key(s)`);
    },
  },
  refusedSilently('alg-none', '§3.2', 'alg "none" is refused, without a signal', (kit) => {
    const { envelope, input } = withHeader(kit, { alg: 'none', kid: kit.partner.key.kid });
    return { body: `${input}.`, messageId: envelope.id };
  }),
  refusedSilently('alg-hs256', '§3.2', 'HS256 (the public key as HMAC secret) is refused, without a signal', async (kit) => {
    const { createHmac } = await import('node:crypto');
    const { envelope, input } = withHeader(kit, { alg: 'HS256', kid: kit.partner.key.kid });
    const mac = createHmac('sha256', JSON.stringify(kit.partner.key.publicJwk)).update(input).digest('base64url');
    return { body: `${input}.${mac}`, messageId: envelope.id };
  }),
  refusedSilently('crit', '§3.2', 'a header with crit is refused, without a signal', (kit) => {
    const { envelope, input } = withHeader(kit, { alg: 'ES256', kid: kit.partner.key.kid, crit: ['exp'], exp: 1 });
    return { body: `${input}.${es256(kit.partner.key.privateKey, input)}`, messageId: envelope.id };
  }),
  refusedSilently('padded-base64url', '§3.1', 'padded base64url segments are refused (compact, unpadded JWS only), without a signal', (kit) => {
    const envelope = kit.openingEnvelope();
    const [h, c, s] = signCompact(kit.partner.key, envelope).split('.') as [string, string, string];
    const pad = (x: string) => x + '='.repeat((4 - (x.length % 4)) % 4 || 4);
    return { body: `${h}.${c}.${pad(s)}`, messageId: envelope.id };
  }),
  refusedSilently('json-serialization', '§3.1', 'the JSON serialization of a JWS is refused (compact only), without a signal', (kit) => {
    const envelope = kit.openingEnvelope();
    const [protectedHeader, payload, signature] = signCompact(kit.partner.key, envelope).split('.');
    return { body: JSON.stringify({ payload, protected: protectedHeader, signature }), messageId: envelope.id };
  }),
  refusedSilently('unknown-kid', '§4.4', 'a key the node never imported is refused, without a signal', (kit) => {
    const envelope = kit.openingEnvelope();
    return { body: signCompact(generatePartnerKey(kit.options.partnerCode), envelope), messageId: envelope.id };
  }),
  refusedSilently('key-not-active', '§4.4', 'a key imported but not approved does not verify, without a signal', async (kit) => {
    const pending = generatePartnerKey(kit.options.partnerCode);
    await kit.partner.registerKey(pending, false);
    const envelope = kit.openingEnvelope();
    return { body: signCompact(pending, envelope), messageId: envelope.id };
  }),
  refusedSilently('bad-signature', '§3.3', 'a signature that does not verify is refused, without a signal', (kit) => {
    const envelope = kit.openingEnvelope();
    const [h, , s] = signCompact(kit.partner.key, envelope).split('.');
    return { body: `${h}.${b64url({ ...envelope, consentId: 'altered-after-signing' })}.${s}`, messageId: envelope.id };
  }),
  refusedWithSignal('envelope-invalid', '§5.3', 'an envelope with a field the protocol does not define is refused with envelope_invalid', 'envelope_invalid', (kit) => ({
    ...kit.openingEnvelope(),
    priority: 'high',
  })),
  refusedWithSignal('date-without-offset', '§5.2', 'a date-time without a time-zone offset is refused with envelope_invalid', 'envelope_invalid', (kit) => {
    const e = kit.openingEnvelope();
    return { ...e, createdAt: e.createdAt.replace(/\.\d+Z$/, '') };
  }),
  {
    id: 'envelope-invalid-conversation',
    section: '§5.3',
    title: 'an invalid envelope whose conversationId is no UUID is answered with envelope_invalid in the conversation named by its id',
    run: async (kit) => {
      const e = kit.openingEnvelope();
      await kit.sendSigned({ ...e, conversationId: 'not-a-uuid' });
      return kit.expectError({ envelope: { id: e.id, conversationId: e.id } }, 'envelope_invalid');
    },
  },
  refusedSilently('envelope-invalid-id', '§5.3', 'an invalid envelope whose id is no UUID cannot be named, so it gets no signal', (kit) => {
    const e = kit.openingEnvelope();
    const id = `urn:uuid:${e.id}`;
    return { body: signCompact(kit.partner.key, { ...e, id }), messageId: id };
  }),
  refusedWithSignal('wrong-recipient', '§9.4', 'a message addressed to another municipality is refused with wrong_recipient', 'wrong_recipient', (kit) =>
    kit.openingEnvelope({ to: someOtherMunicipality(kit) }),
  ),
  refusedWithSignal('expired', '§6.3', 'a message past its expiresAt is refused with message_expired', 'message_expired', (kit) =>
    kit.openingEnvelope({ createdAt: at(Date.now() - minutes(120)), expiresAt: at(Date.now() - minutes(60)) }),
  ),
  refusedWithSignal('expiry-too-far', '§6.1', 'expiresAt more than the message lifetime after createdAt is refused with expiry_invalid', 'expiry_invalid', (kit) => {
    const now = Date.now();
    return kit.openingEnvelope({ createdAt: at(now), expiresAt: at(now + lifetimeMs + minutes(60)) });
  }),
  refusedWithSignal('expiry-before-creation', '§6.1', 'expiresAt not after createdAt is refused with expiry_invalid', 'expiry_invalid', (kit) => {
    const now = Date.now();
    return kit.openingEnvelope({ createdAt: at(now + minutes(2)), expiresAt: at(now + minutes(1)) });
  }),
  refusedWithSignal('created-in-future', '§6.2', 'createdAt ahead of the node by more than the clock skew is refused with created_in_future', 'created_in_future', (kit) => {
    const now = Date.now();
    return kit.openingEnvelope({ createdAt: at(now + clockSkewMs + minutes(10)), expiresAt: at(now + minutes(24 * 60)) });
  }),
  {
    id: 'clock-skew-tolerated',
    section: '§6.2',
    title: 'createdAt less than the clock skew ahead of the node is accepted',
    run: async (kit) => {
      const created = Date.now() + clockSkewMs / 2;
      return kit.expectReceipt(await kit.sendSigned(kit.openingEnvelope({ createdAt: at(created), expiresAt: at(created + minutes(60)) })));
    },
  },
  {
    id: 'full-lifetime-accepted',
    section: '§6.1',
    title: 'expiresAt exactly the message lifetime after createdAt is accepted',
    run: async (kit) => {
      const created = Date.now();
      return kit.expectReceipt(await kit.sendSigned(kit.openingEnvelope({ createdAt: at(created), expiresAt: at(created + lifetimeMs) })));
    },
  },
  refusedWithSignal('follow-up-in-new-conversation', '§8.1', 'a type not allowed in a new conversation is refused with state_forbids', 'state_forbids', (kit) =>
    kit.partner.envelope(scenario.followUp, kit.partner.schemas.example(scenario.followUp), { consentId: scenario.consentId }),
  ),
  refusedWithSignal('unknown-type', '§12.1', 'a type no collaboration model defines is refused with unknown_type', 'unknown_type', (kit) =>
    kit.openingEnvelope({ type: 'conformance.no-such-type' }),
  ),
  refusedWithSignal('schema-invalid', '§12.1', 'a payload that does not match its type\'s schema is refused with schema_invalid', 'schema_invalid', (kit) =>
    kit.openingEnvelope({ payload: {} }),
  ),
  refusedWithSignal('consent-missing', '§8.4', 'a consent-based type without consentId is refused with consent_missing', 'consent_missing', (kit) => {
    const { consentId: _omitted, ...envelope } = kit.openingEnvelope();
    return envelope;
  }),
  {
    id: 'reply-unknown',
    section: '§8.3',
    title: 'inReplyTo naming no message the node sent to the kit is refused with reply_unknown',
    run: async (kit) => {
      const { sent } = await kit.opening();
      const payload = kit.partner.schemas.example(scenario.followUp);
      const reply = kit.partner.envelope(scenario.followUp, payload, { conversationId: sent.envelope.conversationId, inReplyTo: randomUUID(), consentId: scenario.consentId });
      return kit.expectError(await kit.sendSigned(reply), 'reply_unknown');
    },
  },
  refusedSilently('unsolicited-receipt', '§9.5', 'a receipt for a message the node never sent is refused, and a signal is never answered', (kit) => {
    const receipt = kit.partner.envelope('receipt', { messageId: randomUUID(), receivedAt: at(Date.now()) }, { inReplyTo: randomUUID() });
    return { body: signCompact(kit.partner.key, receipt), messageId: receipt.id, kind: 'signal' };
  }),
  refusedSilently('unsolicited-error', '§9.5', 'an error signal for a message the node never sent is refused, and never answered', (kit) => {
    const error = kit.partner.envelope('error', { messageId: randomUUID(), code: 'schema_invalid' }, { inReplyTo: randomUUID() });
    return { body: signCompact(kit.partner.key, error), messageId: error.id, kind: 'signal' };
  }),
  ...outboundRules(),
  {
    id: 'still-working',
    section: '§2.6',
    title: 'after all these refusals the node still accepts a valid message',
    phase: 'last',
    run: async (kit) => kit.expectReceipt(await kit.sendSigned(kit.openingEnvelope())),
  },
];

/** Rules that need a message from the node to the kit (`--caseworker-token`): skipped without one. */
function outboundRules(): Rule[] {
  const needsAnswer = (run: (kit: Kit, answer: Arrival) => Promise<Verdict>) => async (kit: Kit) => {
    if (!kit.options.caseworkerToken) return skip('needs --caseworker-token, so that the node sends the kit a message');
    return run(kit, await kit.answer());
  };
  return [
    {
      id: 'node-message',
      section: '§8.3',
      title: "the node's own message verifies with its published key, in the conversation and reply it answers",
      run: needsAnswer(async (kit, answer) => {
        const { sent } = await kit.opening();
        const { claims } = answer;
        const problems = await kit.partner.signatureProblems(answer);
        problems.push(...kit.partner.schemas.problems('envelope', claims).map((p) => `envelope ${p}`));
        problems.push(...kit.partner.schemas.problems(scenario.answer, claims.payload).map((p) => `payload ${p}`));
        if (claims.from !== kit.options.nodeCode || claims.to !== kit.options.partnerCode) problems.push(`from ${claims.from} to ${claims.to}`);
        if (claims.conversationId !== sent.envelope.conversationId) problems.push('not in the conversation it answers');
        if (claims.inReplyTo !== sent.envelope.id) problems.push('inReplyTo does not name the message it answers');
        problems.push(...transportProblems(answer), ...timeProblems(claims));
        return problems.length ? fail(problems.join('; ')) : pass();
      }),
    },
    {
      id: 'receipt-marks-delivered',
      section: '§9.3',
      title: "the kit's signed receipt marks the node's message delivered",
      run: needsAnswer(async (kit, answer) => {
        const { claims } = answer;
        const receipt = kit.partner.envelope('receipt', { messageId: claims.id, receivedAt: at(Date.now()) }, { to: kit.options.nodeCode, conversationId: claims.conversationId, inReplyTo: claims.id });
        await kit.sendRaw(signCompact(kit.partner.key, receipt), receipt.id, 'signal');
        const until = Date.now() + kit.options.timeoutMs;
        while (Date.now() < until) {
          if ((await kit.partner.nodeMessageStatus(claims.id)) === 'delivered') return pass();
          await new Promise((r) => setTimeout(r, 200));
        }
        return fail(`GET /messages/${claims.id} did not say delivered within ${kit.options.timeoutMs} ms`);
      }),
    },
    {
      id: 'reply-to-node-message',
      section: '§8.3',
      title: "a reply naming the node's message, in its conversation, is accepted",
      run: needsAnswer(async (kit, answer) => {
        const reply = kit.partner.envelope(scenario.followUp, kit.partner.schemas.example(scenario.followUp), { conversationId: answer.claims.conversationId, inReplyTo: answer.claims.id, consentId: scenario.consentId });
        return kit.expectReceipt(await kit.sendSigned(reply));
      }),
    },
    {
      id: 'reply-in-other-conversation',
      section: '§8.3',
      title: "a reply naming the node's message from another conversation is refused with reply_unknown",
      run: needsAnswer(async (kit, answer) => {
        const other = await kit.sendSigned(kit.openingEnvelope());
        const opened = await kit.expectReceipt(other);
        if (opened.outcome !== 'pass') return fail(`could not open a second conversation: ${opened.detail}`);
        const reply = kit.partner.envelope(scenario.followUp, kit.partner.schemas.example(scenario.followUp), { conversationId: other.envelope.conversationId, inReplyTo: answer.claims.id, consentId: scenario.consentId });
        return kit.expectError(await kit.sendSigned(reply), 'reply_unknown');
      }),
    },
    {
      id: 'id-collision',
      section: '§7.3',
      title: "a message whose id is the id of the node's own message is refused with id_collision",
      run: needsAnswer(async (kit, answer) => {
        const collision = kit.openingEnvelope({ id: answer.claims.id as string });
        return kit.expectError(await kit.sendSigned(collision), 'id_collision');
      }),
    },
  ];
}
