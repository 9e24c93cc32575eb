// Which errors mean "the database is unreachable right now" (an outage: 503, retry later), as opposed
// to a failure of the request itself. Seen on this project's stack (Prisma 6 + @prisma/adapter-pg + pg):
// P1001 / DatabaseNotReachable when nothing listens, SQLSTATE 57P01 when the server terminates a
// connection, 55000 "not currently accepting connections", and pg's own connection errors.
// P2024 / P2028: no connection or transaction could be had in time (the database is overloaded).
const prismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const adapterKinds = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const sqlStates = /^(08\d{3}|57P0[1-3]|53300)$/;
const messages =
  /ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|not currently accepting connections|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Can't reach database server|Server has closed the connection|Unable to start a transaction in the given time/i;

export function isDatabaseOutage(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === 'string' && (prismaCodes.has(e.code) || sqlStates.test(e.code))) return true;
  if (typeof e.kind === 'string' && adapterKinds.has(e.kind)) return true;
  if (typeof e.originalCode === 'string' && (sqlStates.test(e.originalCode) || e.originalCode === '55000')) return true;
  if (typeof e.message === 'string' && messages.test(e.message)) return true;
  return isDatabaseOutage(e.cause, depth + 1) || isDatabaseOutage(e.meta?.driverAdapterError, depth + 1);
}

/** The broker is down: the node's own publish path says so (amqp/broker.ts). */
export function isBrokerOutage(error: unknown): boolean {
  return error instanceof Error && /broker is down|Channel closed|Connection closed|ECONNREFUSED.*5672/i.test(error.message) && !isDatabaseOutage(error);
}
