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

const escape = (name: string) => name.replace(/[.\-]/g, (c) => `\\${c}`);

/** RabbitMQ permission patterns: the shared exchange and the node's own queues and dead-letter exchange, nothing else. */
export function brokerPermissions(exchange: string, municipality: string): { configure: string; write: string; read: string } {
  // The inbox and the dead-letter queue and exchange of brokerNames: `<exchange>.<code>.(inbox|dead)`.
  const pattern = `^(${escape(exchange)}|${escape(`${exchange}.${municipality}.`)}(inbox|dead))$`;
  return { configure: pattern, write: pattern, read: pattern };
}
