import amqp from 'amqplib';

/** host:port of an AMQP URL, for logs (never its credentials). */
export const brokerAddress = (url: string) => new URL(url).host;

/** Connects to the first of the brokers (nodes of one cluster) that answers, starting at `from`. */
export async function connectToAny(urls: readonly string[], options: Record<string, unknown> = {}, from = 0): Promise<{ connection: amqp.ChannelModel; index: number }> {
  let last: unknown;
  for (let i = 0; i < urls.length; i++) {
    const index = (from + i) % urls.length;
    try {
      return { connection: await amqp.connect(urls[index]!, { timeout: 10_000, ...options }), index };
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
