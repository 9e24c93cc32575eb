// The operator's rules for docker-compose.yml (issue 16), as a checker that returns what breaks
// them; test/ops/compose.test.ts runs it on the real file and on broken copies.
import { brokerPermissions } from '../../services/gateway/src/config/broker-names.ts';

type Service = {
  image?: string;
  build?: unknown;
  user?: string;
  ports?: string[];
  volumes?: (string | { source?: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
};
export type ComposeDoc = { services: Record<string, Service>; volumes?: Record<string, unknown> };
export type Definitions = { users: { name: string }[]; permissions: { user: string; configure: string; write: string; read: string }[] };

const volumeSources = (s: Service) => (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0]! : v.source ?? ''));
const codeOf = (name: string) => /^(?:node|keys|migrate)-(\d{3})$/.exec(name)?.[1];

export function composeProblems(doc: ComposeDoc, definitions: Definitions): string[] {
  const problems: string[] = [];
  const services = Object.entries(doc.services);
  const nodes = services.filter(([name]) => name.startsWith('node-'));
  const gateway = services.filter(([name]) => codeOf(name));
  if (nodes.length === 0) problems.push('no node services');
  // A one-shot job that others wait for to complete (service_completed_successfully) needs no health check.
  const awaitedJobs = new Set(services.flatMap(([, s]) => Object.entries(s.depends_on ?? {}).filter(([, d]) => d.condition === 'service_completed_successfully').map(([n]) => n)));

  for (const [name, s] of services) {
    if (!awaitedJobs.has(name) && (!s.healthcheck || s.healthcheck.disable || !s.healthcheck.test)) problems.push(`${name}: no health check`);
    for (const port of s.ports ?? []) {
      if (!/^\$\{[A-Z_]+(:-[^}]*)?\}:\$\{[A-Z0-9_]+(:-\d+)?\}:\d+$/.test(port)) problems.push(`${name}: port ${port} is not configurable through .env`);
      if (/:(5672|5432)$/.test(port)) problems.push(`${name}: publishes ${port.split(':').pop()} on the host`);
    }
  }

  // Built once: exactly one build, and every gateway service runs that same image, unprivileged.
  const builds = services.filter(([, s]) => s.build);
  if (builds.length !== 1) problems.push(`the image is built ${builds.length} times`);
  const images = new Set(gateway.map(([, s]) => s.image));
  if (images.size !== 1) problems.push(`gateway services use ${images.size} images`);
  for (const [name, s] of gateway) if (!s.user || /^(root|0)(:|$)/.test(s.user)) problems.push(`${name}: runs as root`);

  // Keys: a node and its key job mount their own key volume and no other; a migrate job none.
  for (const [name, s] of gateway) {
    const keyVolumes = volumeSources(s).filter((v) => /^keys-/.test(v));
    const expected = name.startsWith('migrate-') ? [] : [`keys-${codeOf(name)}`];
    if (keyVolumes.join() !== expected.join()) problems.push(`${name}: mounts key volumes ${keyVolumes.join(', ') || 'none'}`);
  }
  for (const [name, s] of services.filter(([n]) => !codeOf(n))) {
    if (volumeSources(s).some((v) => /^keys-/.test(v))) problems.push(`${name}: mounts a node's key volume`);
  }

  // Broker: each node logs in as its own user, the check is on, the definitions give that user its permissions.
  for (const [name, s] of nodes) {
    const code = codeOf(name)!;
    const env = s.environment ?? {};
    if (env.KB_MUNICIPALITY !== code) problems.push(`${name}: KB_MUNICIPALITY is ${env.KB_MUNICIPALITY}`);
    if (!env.KB_BROKER_USER_PREFIX) problems.push(`${name}: the broker-user check is off`);
    const user = `${env.KB_BROKER_USER_PREFIX ?? ''}${code}`;
    if (!String(env.AMQP_URL).startsWith(`amqp://${user}:`)) problems.push(`${name}: AMQP_URL does not log in as ${user}`);
    if (!String(env.DATABASE_URL).includes(`@postgres:5432/kb${code}`) || !String(env.DATABASE_URL).startsWith(`postgresql://kb${code}:`)) problems.push(`${name}: not its own database and role`);
    if (!definitions.users.some((u) => u.name === user)) problems.push(`${name}: broker user ${user} is not defined`);
    const granted = definitions.permissions.find((p) => p.user === user);
    const expected = brokerPermissions(env.KB_EXCHANGE ?? 'kommunebro', code);
    if (!granted || granted.configure !== expected.configure || granted.write !== expected.write || granted.read !== expected.read) problems.push(`${name}: broker user ${user} lacks its permissions`);
    const waits = s.depends_on ?? {};
    if (waits.postgres?.condition !== 'service_healthy' || waits.rabbitmq?.condition !== 'service_healthy') problems.push(`${name}: does not wait for healthy PostgreSQL and RabbitMQ`);
    // Database roles: the owner's URL stays with the migrate job; the node waits for it.
    if (env.DATABASE_OWNER_URL) problems.push(`${name}: holds the database owner's URL`);
    if (waits[`migrate-${code}`]?.condition !== 'service_completed_successfully') problems.push(`${name}: does not wait for its database setup`);
    const job = doc.services[`migrate-${code}`]?.environment ?? {};
    if (!String(job.DATABASE_OWNER_URL).startsWith(`postgresql://kb${code}_owner:`) || !String(job.DATABASE_OWNER_URL).includes(`@postgres:5432/kb${code}`)) problems.push(`migrate-${code}: does not set up kb${code} as kb${code}_owner`);
    if (!String(job.DATABASE_URL).startsWith(`postgresql://kb${code}:`)) problems.push(`migrate-${code}: does not grant to the node role kb${code}`);
  }
  return problems;
}
