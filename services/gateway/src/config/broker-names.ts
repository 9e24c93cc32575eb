// Every name on the broker, in one place: the node, the broker-user tool, the tests and partners'
// documentation all build them here. One topic exchange shared by the federation; per node an
// inbox bound to `to.<code>`, and a dead-letter exchange and queue of its own.

export interface BrokerNames {
  exchange: string;
  inbox: string;
  dead: string;
  /** The node's own exchange into its dead-letter queue (same name as the queue). */
  deadExchange: string;
  routingKey: string;
}

export function brokerNames(exchange: string, municipality: string): BrokerNames {
  return {
    exchange,
    inbox: `${exchange}.${municipality}.inbox`,
    dead: `${exchange}.${municipality}.dead`,
    deadExchange: `${exchange}.${municipality}.dead`,
    routingKey: routingKeyFor(municipality),
  };
}

export const routingKeyFor = (municipality: string) => `to.${municipality}`;

/** The broker user a node publishes as; partners check a message's validated user_id against it. */
export const brokerUserName = (prefix: string, municipality: string) => `${prefix}${municipality}`;

export const queueTypes = ['classic', 'quorum'] as const;
export type QueueType = (typeof queueTypes)[number];

/**
 * The arguments of the node's two queues. Quorum queues (replicated over a RabbitMQ cluster) are
 * always durable, and their type cannot change once declared: redeclaring an existing classic
 * queue as quorum fails with PRECONDITION_FAILED (docs/OPERATIONS.md says how to move).
 */
export function queueArguments(names: BrokerNames, type: QueueType): { inbox: Record<string, unknown>; dead: Record<string, unknown> } {
  // Anything the broker itself rejects (delivery limit, overflow) still lands in the dead queue.
  const inbox: Record<string, unknown> = { 'x-dead-letter-exchange': names.deadExchange };
  if (type === 'classic') return { inbox, dead: {} };
  return {
    inbox: {
      ...inbox,
      'x-queue-type': 'quorum',
      // Dead-lettering by the broker is at-most-once unless it is at-least-once, which needs reject-publish:
      // a full inbox refuses the publish (the sender's relay retries) instead of dropping its oldest.
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      // A message that takes the consumer down again and again (each crash returns it) is set aside
      // after this many deliveries instead of looping; the node's own retries do not count.
      'x-delivery-limit': quorumDeliveryLimit,
    },
    // No delivery limit here: listing dead letters returns them to the queue, which counts as a delivery.
    dead: { 'x-queue-type': 'quorum' },
  };
}

export const quorumDeliveryLimit = 20;

const escape = (name: string) => name.replace(/[.\-]/g, (c) => `\\${c}`);

/** RabbitMQ permission patterns: the shared exchange and the node's own queues and dead-letter exchange, nothing else. */
export function brokerPermissions(exchange: string, municipality: string): { configure: string; write: string; read: string } {
  // The inbox and the dead-letter queue and exchange of brokerNames: `<exchange>.<code>.(inbox|dead)`.
  const pattern = `^(${escape(exchange)}|${escape(`${exchange}.${municipality}.`)}(inbox|dead))$`;
  return { configure: pattern, write: pattern, read: pattern };
}
