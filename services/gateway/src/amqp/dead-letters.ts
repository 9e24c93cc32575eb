import amqp from 'amqplib';
import { parseCompactJws } from '../crypto/jws.ts';
import type { BrokerNames, Delivery } from './broker.ts';
import { connectToAny } from './connect.ts';

/** What the console and CLI show of a dead letter: facts only, never the payload (it may hold a CPR number). */
export interface DeadLetterView {
  id: string;
  code: string;
  detail: string;
  deadLetteredAt: string | null;
  type: string | null;
  from: string | null;
  to: string | null;
  conversationId: string | null;
  createdAt: string | null;
  bytes: number;
}

/** Header that carries the broker user that originally published a dead-lettered message. */
export const transportUserHeader = 'x-kommunebro-transport-user';

const text = (v: unknown) => (typeof v === 'string' ? v : v instanceof Buffer ? v.toString('utf8') : null);

/** Turns a dead letter's body into the JWS inside it (decrypting a JWE); throws when it cannot. */
export type OpenBody = (body: Buffer) => Promise<string>;

async function viewOf(message: amqp.GetMessage, open: OpenBody): Promise<DeadLetterView> {
  const headers = message.properties.headers ?? {};
  let claims: Record<string, unknown> = {};
  try {
    claims = parseCompactJws(await open(message.content)).claims as Record<string, unknown>;
  } catch {
    // Not a JWS, or a JWE not for us (jws_malformed, decryption_failed): only the transport facts are known.
  }
  const claim = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : null);
  return {
    id: claim('id') ?? text(message.properties.messageId) ?? '',
    code: text(headers['x-kommunebro-code']) ?? 'unknown',
    detail: (text(headers['x-kommunebro-detail']) ?? '').slice(0, 500),
    deadLetteredAt: text(headers['x-kommunebro-dead-lettered-at']),
    type: claim('type'),
    from: claim('from'),
    to: claim('to'),
    conversationId: claim('conversationId'),
    createdAt: claim('createdAt'),
    bytes: message.content.length,
  };
}

/**
 * The node's dead-letter queue, read with basic.get on a connection of its own; nothing consumes
 * that queue, so reading and returning (closing the channel requeues what was not acked) is safe.
 * A replay re-publishes the message to the node's own inbox (the exchange with the node's routing
 * key, which its broker user may write) and then removes it from the dead-letter queue.
 */
export class DeadLetterQueue {
  private readonly user: string;

  /** `urls`: the node's brokers (AMQP_URL); the first that answers is used. */
  constructor(
    private readonly urls: readonly string[],
    private readonly names: BrokerNames,
    private readonly open: OpenBody = async (body) => body.toString('utf8'),
    private readonly max = 1000,
  ) {
    this.user = decodeURIComponent(new URL(urls[0]!).username) || 'guest';
  }

  async list(): Promise<DeadLetterView[]> {
    return this.withChannel(async (channel) => {
      const views: DeadLetterView[] = [];
      for (let m = await channel.get(this.names.dead); m && views.length < this.max; m = await channel.get(this.names.dead)) views.push(await viewOf(m, this.open));
      return views;
    });
  }

  /** Returns the replayed message's facts, or undefined when no dead letter has that id. */
  async replay(id: string): Promise<DeadLetterView | undefined> {
    return this.withChannel(async (channel) => {
      for (let m = await channel.get(this.names.dead), n = 0; m && n < this.max; m = await channel.get(this.names.dead), n++) {
        const view = await viewOf(m, this.open);
        if (view.id !== id) continue;
        const headers: Record<string, unknown> = { 'x-kommunebro-replayed-code': view.code };
        const original = text(m.properties.headers?.[transportUserHeader]);
        if (original) headers[transportUserHeader] = original;
        channel.publish(this.names.exchange, this.names.routingKey, m.content, {
          persistent: true, messageId: m.properties.messageId, contentType: m.properties.contentType, userId: this.user, headers,
        });
        await channel.waitForConfirms();
        channel.ack(m);
        return view;
      }
      return undefined;
    });
  }

  private async withChannel<T>(work: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
    const { connection } = await connectToAny(this.urls);
    try {
      const channel = await connection.createConfirmChannel();
      const result = await work(channel);
      // Closing the channel settles it: acks are flushed, whatever was not acked is requeued.
      await channel.close();
      return result;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}

/**
 * The broker user a delivery counts as published by. A replay is published by the node itself
 * (RabbitMQ validates user_id, so only this node's own user can do that) and carries the
 * original publisher recorded when it was dead-lettered; anyone else's header is ignored.
 */
export function transportUserOf(delivery: Delivery, ownUser: string): string | undefined {
  const published = delivery.properties.userId as string | undefined;
  if (published !== ownUser) return published;
  return text(delivery.properties.headers?.[transportUserHeader]) ?? published;
}
