import amqp from 'amqplib';
import { brokerNames, routingKeyFor } from '../../services/gateway/src/amqp/broker.ts';
import { amqpUrl, eventually } from './nodes.ts';

export interface DeadLetter {
  code: string;
  body: string;
  detail: string;
}

/** Test-side broker access: publish raw bytes as a partner would, and read a node's dead letters. */
export class BrokerProbe {
  private connection?: amqp.ChannelModel;
  private channel?: amqp.ConfirmChannel;
  private publisher?: { connection: amqp.ChannelModel; channel: amqp.ConfirmChannel; user: string };
  private readonly seen: DeadLetter[] = [];

  /** Reads as the broker admin; publishes as `publishUrl`'s user (a node's own broker user). */
  constructor(
    private readonly exchange: string,
    private readonly publishUrl: () => string = () => amqpUrl,
    private readonly adminUrl: string = amqpUrl,
  ) {}

  private async ch(): Promise<amqp.ConfirmChannel> {
    if (!this.channel) {
      this.connection = await amqp.connect(this.adminUrl);
      this.channel = await this.connection.createConfirmChannel();
    }
    return this.channel;
  }

  async publish(to: string, body: string | Buffer, messageId = 'raw'): Promise<void> {
    if (!this.publisher) {
      const url = this.publishUrl();
      const connection = await amqp.connect(url);
      this.publisher = { connection, channel: await connection.createConfirmChannel(), user: decodeURIComponent(new URL(url).username) };
    }
    const { channel, user } = this.publisher;
    channel.publish(this.exchange, routingKeyFor(to), Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, messageId, userId: user });
    await channel.waitForConfirms();
  }

  /** Drains the dead-letter queue of `code` into memory and returns all dead letters seen so far. */
  async deadLetters(municipality: string): Promise<DeadLetter[]> {
    const channel = await this.ch();
    for (;;) {
      const message = await channel.get(brokerNames(this.exchange, municipality).dead, { noAck: true });
      if (!message) break;
      const headers = message.properties.headers ?? {};
      this.seen.push({ code: String(headers['x-kommunebro-code']), detail: String(headers['x-kommunebro-detail']), body: message.content.toString('utf8') });
    }
    return this.seen;
  }

  async waitForDeadLetter(municipality: string, body: string): Promise<DeadLetter> {
    return eventually(`dead letter in ${municipality}`, async () => (await this.deadLetters(municipality)).find((d) => d.body === body));
  }

  async queueDepth(queue: string): Promise<number> {
    const channel = await this.ch();
    return (await channel.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    await this.publisher?.connection.close().catch(() => undefined);
  }
}
