import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per node, so several nodes can live in one test process. */
export function createMetrics(municipality: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ municipality });
  collectDefaultMetrics({ register: registry });
  const sources: {
    countOverdue?: () => Promise<number>;
    keyAlerts?: () => Promise<{ keysExpiringSoon: unknown[]; keysPendingTooLong: unknown[] }>;
    /** Messages waiting in the node's dead-letter queue (amqp/broker.ts). */
    deadLetterDepth?: () => Promise<number>;
    /** When the oldest envelope still waiting in the outbox was queued, or null. */
    oldestOutboxAt?: () => Promise<Date | null>;
    /** Outbound messages with no receipt or error signal in time (use-cases/delivery-watch.ts). */
    countUndelivered?: () => Promise<number>;
    databaseUp?: () => Promise<boolean>;
    brokerUp?: () => boolean;
  } = {};
  // A source that fails (database or broker down) leaves its gauge as it was: a scrape must still
  // answer, so that kommunebro_database_up and kommunebro_broker_up can say what is down.
  const read = async <T>(source: (() => Promise<T>) | undefined, use: (value: T) => void) => {
    if (!source) return;
    try {
      use(await source());
    } catch {
      // stale value; the *_up gauges report the outage
    }
  };
  return {
    registry,
    /** Read at scrape time. */
    sources,
    sent: new Counter({ name: 'kommunebro_messages_sent_total', help: 'Envelopes published and confirmed by the broker', labelNames: ['kind'], registers: [registry] }),
    accepted: new Counter({ name: 'kommunebro_messages_accepted_total', help: 'Inbound messages accepted and stored', labelNames: ['type'], registers: [registry] }),
    refused: new Counter({ name: 'kommunebro_messages_refused_total', help: 'Refusals by stable code', labelNames: ['direction', 'code'], registers: [registry] }),
    duplicates: new Counter({ name: 'kommunebro_messages_duplicate_total', help: 'Inbound messages seen before, not processed again', registers: [registry] }),
    deadLettered: new Counter({ name: 'kommunebro_dead_letters_total', help: 'Inbound messages sent to the dead-letter queue', labelNames: ['code'], registers: [registry] }),
    retries: new Counter({ name: 'kommunebro_inbound_retries_total', help: 'Inbound processing retried after a transient failure', registers: [registry] }),
    overdue: new Gauge({
      name: 'kommunebro_deadlines_overdue',
      help: 'Deadlines and alerts past their due day (unmet, or met late)',
      registers: [registry],
      async collect() {
        await read(sources.countOverdue, (n) => this.set(n));
      },
    }),
    keysExpiringSoon: new Gauge({
      name: 'kommunebro_partner_keys_expiring_soon',
      help: 'Active partner keys that expire within 60 days',
      registers: [registry],
      async collect() {
        await read(sources.keyAlerts, (a) => this.set(a.keysExpiringSoon.length));
      },
    }),
    keysPendingTooLong: new Gauge({
      name: 'kommunebro_partner_keys_pending_too_long',
      help: "Partner keys waiting more than 2 working days for an admin's approval",
      registers: [registry],
      async collect() {
        await read(sources.keyAlerts, (a) => this.set(a.keysPendingTooLong.length));
      },
    }),
    deadlineAlerts: new Counter({ name: 'kommunebro_deadline_alerts_total', help: 'Deadlines that passed unmet, alerted once each', labelNames: ['deadline', 'kind'], registers: [registry] }),
    undelivered: new Counter({ name: 'kommunebro_messages_undelivered_total', help: 'Outbound messages that got no receipt or error signal in time, reported once each', labelNames: ['type'], registers: [registry] }),
    undeliveredNow: new Gauge({
      name: 'kommunebro_messages_undelivered',
      help: 'Outbound messages undelivered now (no receipt or error signal yet, past their delivery window)',
      registers: [registry],
      async collect() {
        await read(sources.countUndelivered, (n) => this.set(n));
      },
    }),
    outboxPending: new Gauge({ name: 'kommunebro_outbox_pending', help: 'Envelopes waiting to be published', registers: [registry] }),
    deliveryLatency: new Histogram({
      name: 'kommunebro_delivery_seconds',
      help: 'From accepted by the API to receipt verified',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'kommunebro_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status (http/access-log.ts)',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    deadLetterDepth: new Gauge({
      name: 'kommunebro_dead_letter_queue_messages',
      help: "Messages in this node's dead-letter queue, waiting for an operator",
      registers: [registry],
      async collect() {
        await read(sources.deadLetterDepth, (n) => this.set(n));
      },
    }),
    oldestOutboxAge: new Gauge({
      name: 'kommunebro_outbox_oldest_age_seconds',
      help: 'Age of the oldest envelope waiting to be published (0 when the outbox is empty)',
      registers: [registry],
      async collect() {
        await read(sources.oldestOutboxAt, (at) => this.set(at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : 0));
      },
    }),
    databaseUp: new Gauge({
      name: 'kommunebro_database_up',
      help: '1 when the database answers, else 0',
      registers: [registry],
      async collect() {
        if (sources.databaseUp) this.set((await sources.databaseUp().catch(() => false)) ? 1 : 0);
      },
    }),
    brokerUp: new Gauge({
      name: 'kommunebro_broker_up',
      help: '1 when the node is connected to RabbitMQ, else 0',
      registers: [registry],
      collect() {
        if (sources.brokerUp) this.set(sources.brokerUp() ? 1 : 0);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
