import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per node, so several nodes can live in one test process. */
export function createMetrics(municipality: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ municipality });
  collectDefaultMetrics({ register: registry });
  const sources: {
    countOverdue?: () => Promise<number>;
    keyAlerts?: () => Promise<{ keysExpiringSoon: unknown[]; keysPendingTooLong: unknown[] }>;
  } = {};
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
        if (sources.countOverdue) this.set(await sources.countOverdue());
      },
    }),
    keysExpiringSoon: new Gauge({
      name: 'kommunebro_partner_keys_expiring_soon',
      help: 'Active partner keys that expire within 60 days',
      registers: [registry],
      async collect() {
        if (sources.keyAlerts) this.set((await sources.keyAlerts()).keysExpiringSoon.length);
      },
    }),
    keysPendingTooLong: new Gauge({
      name: 'kommunebro_partner_keys_pending_too_long',
      help: "Partner keys waiting more than 2 working days for an admin's approval",
      registers: [registry],
      async collect() {
        if (sources.keyAlerts) this.set((await sources.keyAlerts()).keysPendingTooLong.length);
      },
    }),
    deadlineAlerts: new Counter({ name: 'kommunebro_deadline_alerts_total', help: 'Deadlines that passed unmet, alerted once each', labelNames: ['deadline', 'kind'], registers: [registry] }),
    outboxPending: new Gauge({ name: 'kommunebro_outbox_pending', help: 'Envelopes waiting to be published', registers: [registry] }),
    deliveryLatency: new Histogram({
      name: 'kommunebro_delivery_seconds',
      help: 'From accepted by the API to receipt verified',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
