import amqp from 'amqplib';
import { adminQuery, adminUrl, ensureTemplate } from './postgres.ts';
import { amqpUrl } from './nodes.ts';

/** The tests need the real services; say which one is missing and how to start it. */
export default async function setup(): Promise<void> {
  try {
    await adminQuery('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL does not answer at ${adminUrl.replace(/\/\/[^@/]*@/, '//')} (${(error as Error).message}). ` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set KB_TEST_PG_URL.',
    );
  }
  try {
    await (await amqp.connect(amqpUrl, { timeout: 5000 })).close();
  } catch (error) {
    throw new Error(`RabbitMQ does not answer (${(error as Error).message}). Start it with: rabbitmq-server -detached, or set KB_TEST_AMQP_URL.`);
  }
  await ensureTemplate();
}
