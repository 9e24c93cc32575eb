// The reference partner: one municipality's side of the protocol, built only from what
// docs/PROTOCOL.md documents: the node's admin key API and JWKS, and the broker topology. Longer than
// 250 lines because the partner's broker side, its HTTP calls and its checks of what the node signed
// share one state (the inbox, the JWKS, the imported keys).
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { decryptCompact, encryptCompact, generateEncryptionKey, generatePartnerKey, readCompact, verifiesWith, type PartnerEncryptionKey, type PartnerKey, type ReadJws } from './jws.ts';
import type { ProtocolSchemas } from './schemas.ts';

export interface KitOptions {
  /** The node under test: its HTTP base URL and its municipality code. */
  nodeUrl: string;
  nodeCode: string;
  /** An admin token of the node: imports and approves the kit's key. */
  adminToken: string;
  /** Optional caseworker token: lets the node send the kit a message (outbound rules). */
  caseworkerToken?: string;
  /** The municipality the kit plays; no other node of that code may consume on the exchange. */
  partnerCode: string;
  amqpUrl: string;
  exchange: string;
  /** How long to wait for a signal that should come. */
  timeoutMs: number;
  /** How long no signal must come for a refusal that gets none. */
  quietMs: number;
}

export interface Envelope {
  id: string;
  type: string;
  from: string;
  to: string;
  conversationId: string;
  inReplyTo?: string;
  consentId?: string;
  createdAt: string;
  expiresAt: string;
  payload: Record<string, unknown>;
}

/** A delivery on the kit's inbox: a signal or a message from the node. */
export interface Arrival {
  text: string;
  jws?: ReadJws;
  claims: Record<string, any>;
  properties: amqp.MessageProperties;
}

type Waiter = { match: (a: Arrival) => boolean; resolve: (a: Arrival) => void };

export class ReferencePartner {
  readonly key: PartnerKey;
  private encryptionKey?: PartnerEncryptionKey;
  private connection?: amqp.ChannelModel;
  private publisher?: amqp.ConfirmChannel;
  private readonly arrivals: Arrival[] = [];
  private readonly waiters = new Set<Waiter>();
  private jwks: { keys: Record<string, unknown>[] } = { keys: [] };
  private readonly importedKids: string[] = [];
  private brokerUser = 'guest';
  private readonly returned = new Set<string>();
  /** Deliveries the node published that are not a compact JWS at all. */
  readonly unreadable: string[] = [];

  constructor(
    readonly options: KitOptions,
    readonly schemas: ProtocolSchemas,
  ) {
    this.key = generatePartnerKey(options.partnerCode);
  }

  /** Connects to the broker as the partner's own broker user, declares its inbox and registers its key. */
  async start(): Promise<void> {
    const { options } = this;
    this.brokerUser = decodeURIComponent(new URL(options.amqpUrl).username) || 'guest';
    await this.refreshJwks();
    // Nagle off: amqplib writes a publish as several frames, which Nagle would hold for the broker's delayed ACK.
    this.connection = await amqp.connect(options.amqpUrl, { noDelay: true });
    this.publisher = await this.connection.createConfirmChannel();
    this.publisher.on('return', (m: amqp.Message) => this.returned.add(m.properties.messageId as string));
    const consumer = await this.connection.createChannel();
    const { exchange } = options;
    const inbox = `${exchange}.${options.partnerCode}.inbox`;
    const dead = `${exchange}.${options.partnerCode}.dead`;
    // The partner's topology as a node declares it, so the declarations agree with a node's own.
    await consumer.assertExchange(exchange, 'topic', { durable: true });
    await consumer.assertExchange(dead, 'fanout', { durable: true });
    await consumer.assertQueue(dead, { durable: true });
    await consumer.bindQueue(dead, dead, '');
    await consumer.assertQueue(inbox, { durable: true, deadLetterExchange: dead });
    await consumer.bindQueue(inbox, exchange, `to.${options.partnerCode}`);
    this.encryptionKey = await generateEncryptionKey(options.partnerCode);
    await consumer.consume(inbox, (m) => {
      if (!m) return;
      consumer.ack(m);
      void this.arrived(m);
    });
    await this.registerKey(this.key, true);
    await this.registerKey(this.encryptionKey, true);
  }

  /** A message the node encrypted to the kit (five segments) is read as the JWS inside. */
  private async arrived(m: amqp.ConsumeMessage): Promise<void> {
    let text = m.content.toString('utf8');
    let arrival: Arrival;
    try {
      if (text.split('.').length === 5) text = await decryptCompact(this.encryptionKey!, text);
      const jws = readCompact(text);
      arrival = { text, jws, claims: jws.claims, properties: m.properties };
    } catch {
      this.unreadable.push(text.slice(0, 200));
      return;
    }
    this.arrivals.push(arrival);
    for (const w of this.waiters) {
      if (w.match(arrival)) {
        this.waiters.delete(w);
        w.resolve(arrival);
      }
    }
  }

  /** Every arrival so far that matches. */
  arrivalsWhere(match: (a: Arrival) => boolean): Arrival[] {
    return this.arrivals.filter(match);
  }

  /** The first arrival that matches, within `timeoutMs`, or undefined. */
  waitFor(match: (a: Arrival) => boolean, timeoutMs = this.options.timeoutMs): Promise<Arrival | undefined> {
    const seen = this.arrivals.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter: Waiter = { match, resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) resolve(undefined);
      }, timeoutMs).unref();
    });
  }

  /** Signals (receipts and error signals) about one of our messages. */
  signalsAbout(messageId: string): Arrival[] {
    return this.arrivalsWhere((a) => isSignalAbout(a, messageId));
  }

  waitForSignal(messageId: string, timeoutMs?: number): Promise<Arrival | undefined> {
    return this.waitFor((a) => isSignalAbout(a, messageId), timeoutMs);
  }

  /**
   * THE one way anything leaves the kit: a message (`kind: 'message'`) or a signal, as the
   * partner's broker user, persistent, to `to.<recipient>`. A message is encrypted to the node's
   * encryption key (docs/PROTOCOL.md §3.5); a signal goes as it is.
   */
  async send(item: { body: string; messageId: string; kind: 'message' | 'signal'; to?: string }): Promise<void> {
    const channel = this.publisher;
    if (!channel) throw new Error('the kit is not connected');
    const body = item.kind === 'message' ? await this.encryptToNode(item.body) : item.body;
    channel.publish(this.options.exchange, `to.${item.to ?? this.options.nodeCode}`, Buffer.from(body), {
      persistent: true,
      mandatory: true,
      messageId: item.messageId,
      userId: this.brokerUser,
      contentType: 'application/jose',
      timestamp: Math.floor(Date.now() / 1000),
    });
    await channel.waitForConfirms();
    // basic.return comes before the confirm of the same message.
    if (this.returned.delete(item.messageId)) throw new Error(`the broker routed nothing to to.${item.to ?? this.options.nodeCode}: is the node's inbox bound on exchange ${this.options.exchange}?`);
  }

  /** An envelope from the partner to the node, valid in every field; `overrides` change fields. */
  envelope(type: string, payload: Record<string, unknown>, overrides: Partial<Envelope> = {}): Envelope {
    const now = Date.now();
    return {
      id: randomUUID(),
      type,
      from: this.options.partnerCode,
      to: this.options.nodeCode,
      conversationId: randomUUID(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 24 * 3600_000).toISOString(),
      payload,
      ...overrides,
    };
  }

  // ── the node's HTTP API: admin key API, published keys, and (optionally) one send ──

  private async call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.options.nodeUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => ({})) };
  }

  private async admin(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.call(method, path, this.options.adminToken, body);
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  /** Imports a key of the partner at the node (pending), and approves it unless asked not to. */
  async registerKey(key: { kid: string; publicJwk: object }, approve: boolean): Promise<void> {
    await this.admin('POST', '/admin/keys', { municipality: this.options.partnerCode, jwk: key.publicJwk });
    this.importedKids.push(key.kid);
    if (approve) await this.admin('POST', `/admin/keys/${encodeURIComponent(key.kid)}/approve`);
  }

  /** `POST /messages` as a caseworker of the node: returns the new message's id, or throws. */
  async nodeSends(request: Record<string, unknown>): Promise<string> {
    if (!this.options.caseworkerToken) throw new Error('needs --caseworker-token');
    const res = await this.call('POST', '/messages', this.options.caseworkerToken, request);
    if (res.status !== 202) throw new Error(`POST /messages answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body.id as string;
  }

  /** The node's status of one of its own messages, as its caseworker sees it. */
  async nodeMessageStatus(id: string): Promise<string | undefined> {
    if (!this.options.caseworkerToken) return undefined;
    const res = await this.call('GET', `/messages/${id}`, this.options.caseworkerToken);
    return res.status === 200 ? (res.body.status as string) : undefined;
  }

  /** The node's current encryption key: the first `use: enc` entry of its JWKS. */
  private async encryptToNode(text: string): Promise<string> {
    const find = () => this.jwks.keys.find((k) => k.use === 'enc');
    if (!find()) await this.refreshJwks();
    const key = find();
    if (!key) throw new Error('the node publishes no encryption key (use: enc) at /.well-known/jwks.json');
    return encryptCompact(key, text);
  }

  async refreshJwks(): Promise<void> {
    const res = await fetch(`${this.options.nodeUrl.replace(/\/$/, '')}/.well-known/jwks.json`);
    if (res.status !== 200) throw new Error(`GET /.well-known/jwks.json answered ${res.status}`);
    this.jwks = (await res.json()) as { keys: Record<string, unknown>[] };
  }

  async publishedKeys(): Promise<Record<string, unknown>[]> {
    await this.refreshJwks();
    return this.jwks.keys;
  }

  /** The node's published key with this kid (the JWKS is fetched again once when it is not there: a rotation). */
  async publishedKey(kid: unknown): Promise<Record<string, unknown> | undefined> {
    const find = () => this.jwks.keys.find((k) => k.kid === kid);
    if (!find()) await this.refreshJwks();
    return find();
  }

  /** Problems with the signature of something the node published: alg, kid rule, published key. */
  async signatureProblems(arrival: Arrival): Promise<string[]> {
    const jws = arrival.jws!;
    const problems: string[] = [];
    if (jws.header.alg !== 'ES256') problems.push(`alg is ${String(jws.header.alg)}, not ES256`);
    if (jws.header.crit !== undefined) problems.push('header has crit');
    if (typeof jws.header.kid !== 'string' || !jws.header.kid.startsWith(`${this.options.nodeCode}-`)) problems.push(`kid ${String(jws.header.kid)} does not name municipality ${this.options.nodeCode}`);
    const key = await this.publishedKey(jws.header.kid);
    if (!key) problems.push(`kid ${String(jws.header.kid)} is not in the node's JWKS`);
    else if (!verifiesWith(jws, key)) problems.push("the signature does not verify with the node's published key");
    return problems;
  }

  /** Revokes every key the kit imported, so nothing it made keeps verifying. */
  async close(): Promise<void> {
    for (const kid of this.importedKids) {
      await this.admin('POST', `/admin/keys/${encodeURIComponent(kid)}/revoke`, { reason: 'conformance kit run ended' }).catch(() => undefined);
    }
    await this.connection?.close().catch(() => undefined);
  }
}

export const isSignalAbout = (a: Arrival, messageId: string) =>
  (a.claims.type === 'receipt' || a.claims.type === 'error') && a.claims.payload?.messageId === messageId;
