import { EventEmitter } from 'node:events';
import amqp from 'amqplib';
import type { Logger } from 'pino';
import { queueArguments, type BrokerNames, type QueueType } from '../config/broker-names.ts';
import { brokerAddress, socketOptions } from './connect.ts';

export { brokerNames, routingKeyFor, type BrokerNames } from '../config/broker-names.ts';
export { connectToAny } from './connect.ts';

export type Delivery = amqp.ConsumeMessage;

export interface PublishResult {
  routed: boolean;
}

/**
 * One connection with a confirm channel for publishing and a channel for consuming.
 * Reconnects by itself with backoff, to the next broker of the list first (a cluster node that
 * went down may take a while to come back); emits 'up' after each (re)connect and 'down' when lost.
 */
export class Broker extends EventEmitter {
  private connection?: amqp.ChannelModel;
  private publisher?: amqp.ConfirmChannel;
  private consumer?: amqp.Channel;
  private stopped = false;
  private returned = new Set<string>();
  private reconnectTimer?: NodeJS.Timeout;
  /** The broker user this node publishes as (RabbitMQ checks user_id against it). */
  readonly user: string;
  /** Paused while the database is down (amqp/database-gate.ts): no consumer on the inbox. */
  private paused = false;
  private consumerTag?: string;
  /** The channel each delivery came on: its ack and its retries are only good while that channel lives. */
  private readonly channelOf = new WeakMap<Delivery, amqp.Channel>();
  /** Which of `urls` to try next. */
  private next = 0;
  private readonly prefetch: number;
  private readonly queueType: QueueType;

  constructor(
    private readonly urls: readonly string[],
    readonly names: BrokerNames,
    private readonly log: Logger,
    private readonly onDelivery: (delivery: Delivery, ack: () => void) => void,
    options: { prefetch?: number; queueType?: QueueType } = {},
  ) {
    super();
    if (urls.length === 0) throw new Error('no broker URL');
    this.user = decodeURIComponent(new URL(urls[0]!).username) || 'guest';
    this.prefetch = options.prefetch ?? 64;
    this.queueType = options.queueType ?? 'classic';
  }

  get isUp(): boolean {
    return this.publisher !== undefined;
  }

  start(): void {
    void this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.stopped) return;
    const url = this.urls[this.next % this.urls.length]!;
    try {
      const connection = await amqp.connect(url, { ...socketOptions, clientProperties: { connection_name: this.names.inbox } });
      connection.on('error', (error) => this.log.warn({ err: error.message }, 'broker connection error'));
      connection.on('close', () => this.lost('connection closed'));
      const publisher = await connection.createConfirmChannel();
      const consumer = await connection.createChannel();
      for (const channel of [publisher, consumer]) {
        channel.on('error', (error) => this.log.warn({ err: error.message }, 'broker channel error'));
        // A closed channel cannot be reused: start over with a fresh connection.
        channel.on('close', () => void connection.close().catch(() => undefined));
      }
      publisher.on('return', (message: amqp.Message) => {
        const { replyCode, replyText, routingKey } = message.fields as unknown as { replyCode: number; replyText: string; routingKey: string };
        this.log.warn({ messageId: message.properties.messageId, replyCode, replyText, routingKey }, 'broker returned a message');
        if (message.properties.messageId) this.returned.add(message.properties.messageId);
      });
      await this.declareTopology(publisher);
      await consumer.prefetch(this.prefetch);
      // An ack must go to the channel that delivered: after a reconnect the old tag is unknown, and
      // the broker redelivers what was not acked anyway.
      this.connection = connection;
      this.publisher = publisher;
      this.consumer = consumer;
      this.consumerTag = undefined;
      if (!this.paused) await this.consume(consumer);
      this.log.info({ inbox: this.names.inbox, broker: brokerAddress(url), queueType: this.queueType }, 'broker connected');
      this.emit('up');
    } catch (error) {
      this.next++;
      // The other brokers of the list at once; a whole round that failed backs off.
      const round = Math.floor(attempt / this.urls.length);
      const delay = (attempt + 1) % this.urls.length !== 0 ? 100 : Math.min(500 * 2 ** round, 10_000);
      const message = (error as Error).message;
      // Retrying cannot help here; an operator must move the queue (e.g. classic → quorum).
      if (/PRECONDITION_FAILED - inequivalent arg/.test(message)) {
        this.log.error({ err: message, queueType: this.queueType }, 'the inbox or dead-letter queue exists with other arguments than KB_QUEUE_TYPE declares; move it first (docs/OPERATIONS.md)');
      } else {
        this.log.warn({ err: message, broker: brokerAddress(url), retryInMs: delay }, 'broker unreachable');
      }
      this.reconnectTimer = setTimeout(() => void this.connect(attempt + 1), delay);
    }
  }

  private async consume(consumer: amqp.Channel): Promise<void> {
    const ackOn = (d: Delivery) => () => {
      if (this.consumer === consumer) consumer.ack(d);
    };
    const { consumerTag } = await consumer.consume(
      this.names.inbox,
      (d) => {
        if (!d) return;
        this.channelOf.set(d, consumer);
        this.onDelivery(d, ackOn(d));
      },
      { noAck: false },
    );
    this.consumerTag = consumerTag;
  }

  /** False once the channel that delivered it is gone: the broker redelivers it, so leave it alone. */
  isLive(delivery: Delivery): boolean {
    const channel = this.channelOf.get(delivery);
    return channel !== undefined && channel === this.consumer;
  }

  get isConsuming(): boolean {
    return this.consumerTag !== undefined;
  }

  /** Stops taking deliveries (those already taken stay unacked on the channel). */
  async pauseConsuming(): Promise<void> {
    this.paused = true;
    const { consumer, consumerTag } = this;
    this.consumerTag = undefined;
    if (consumer && consumerTag) await consumer.cancel(consumerTag).catch(() => undefined);
  }

  async resumeConsuming(): Promise<void> {
    this.paused = false;
    const consumer = this.consumer;
    if (consumer && !this.consumerTag) await this.consume(consumer).catch((error) => this.log.warn({ err: (error as Error).message }, 'could not resume consuming'));
  }

  private lost(reason: string): void {
    const wasUp = this.publisher !== undefined;
    this.connection = undefined;
    this.publisher = undefined;
    this.consumer = undefined;
    this.consumerTag = undefined;
    if (this.stopped || !wasUp) return;
    // The broker we were on may be the one going down: the next of the list first.
    this.next++;
    this.log.warn({ reason }, 'broker connection lost; reconnecting');
    this.emit('down');
    this.reconnectTimer = setTimeout(() => void this.connect(0), 250);
  }

  /** Idempotent: the same declarations on every start and reconnect. */
  private async declareTopology(channel: amqp.Channel): Promise<void> {
    const { exchange, inbox, dead, deadExchange, routingKey } = this.names;
    const queues = queueArguments(this.names, this.queueType);
    await channel.assertExchange(exchange, 'topic', { durable: true });
    // A node's broker user may write only to its own exchanges, so dead letters go through one of its own.
    await channel.assertExchange(deadExchange, 'fanout', { durable: true });
    await channel.assertQueue(dead, { durable: true, arguments: queues.dead });
    await channel.bindQueue(dead, deadExchange, '');
    await channel.assertQueue(inbox, { durable: true, arguments: queues.inbox });
    await channel.bindQueue(inbox, exchange, routingKey);
  }

  /**
   * Publishes persistent envelopes with publisher confirms. mandatory: a recipient with no
   * bound queue is reported as not routed instead of vanishing.
   */
  async publishBatch(items: { routingKey: string; messageId: string; body: string }[]): Promise<PublishResult[]> {
    const channel = this.publisher;
    if (!channel) throw new Error('broker is down');
    for (const item of items) {
      this.returned.delete(item.messageId);
      channel.publish(this.names.exchange, item.routingKey, Buffer.from(item.body), {
        persistent: true,
        mandatory: true,
        messageId: item.messageId,
        // RabbitMQ checks user_id against the authenticated user, so partners can trust it.
        userId: this.user,
        contentType: 'application/jose',
        timestamp: Math.floor(Date.now() / 1000),
      });
    }
    await channel.waitForConfirms();
    // basic.return precedes the ack of the same message, so returns are known by now.
    return items.map((item) => {
      const routed = !this.returned.delete(item.messageId);
      return { routed };
    });
  }

  /** Keeps a refused message with its refusal code, then the caller acks the original. */
  async deadLetter(delivery: Delivery, code: string, detail: string): Promise<void> {
    const channel = this.publisher;
    if (!channel) throw new Error('broker is down');
    channel.publish(this.names.deadExchange, '', delivery.content, {
      persistent: true,
      messageId: delivery.properties.messageId,
      contentType: delivery.properties.contentType,
      headers: { 'x-kommunebro-code': code, 'x-kommunebro-detail': detail.slice(0, 500), 'x-kommunebro-dead-lettered-at': new Date().toISOString(), 'x-kommunebro-transport-user': delivery.properties.userId },
    });
    await channel.waitForConfirms();
  }

  /** For the metrics: messages in our dead-letter queue, on a channel of its own (a failed check closes it). */
  async deadLetterDepth(): Promise<number> {
    const connection = this.connection;
    if (!connection) throw new Error('broker is down');
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(this.names.dead)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = undefined;
    this.publisher = undefined;
    this.consumer = undefined;
    await connection?.close().catch(() => undefined);
  }
}
