import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeProblems, type ComposeDoc, type Definitions } from './compose-rules.ts';
import { nodeEnv, nodeFlags } from '../../services/gateway/src/runtime-flags.ts';

const read = (file: string) => readFileSync(file, 'utf8');
const compose = () => parse(read('docker-compose.yml'), { merge: true }) as ComposeDoc & Record<string, unknown>;
const definitions = JSON.parse(read('deploy/rabbitmq/definitions.json')) as { users: { name: string; password_hash: string }[]; permissions: Definitions['permissions'] };
const envExample = Object.fromEntries(
  read('.env.example').split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

// The vendored Compose Specification schema (deploy/compose-spec.schema.json, draft 2019-09). Its
// custom formats are checked loosely: durations as Compose writes them, the rest as strings.
const ajv = new Ajv2019({ strict: false, allErrors: true });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
// Its $schema names draft 2019-09 by an older URI that Ajv does not know (Ajv2019 is that draft),
// and it still carries draft-04 `id` annotations (JSON pointers, no real ids), which Ajv refuses.
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node) ? node.map(withoutIds)
  : node && typeof node === 'object' ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]))
  : node;
const { $schema: _draft, ...schema } = withoutIds(JSON.parse(read('deploy/compose-spec.schema.json'))) as Record<string, unknown>;
const validate = ajv.compile(schema);

const clone = () => structuredClone(compose());

describe('docker-compose.yml', () => {
  it('when validated against the Compose Specification schema, then it has no errors', () => {
    const ok = validate(compose());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('when a service has a misspelt health check key, then the schema refuses it', () => {
    const doc = clone();
    (doc.services['node-101']!.healthcheck as Record<string, unknown>).intervall = '5s';
    expect(validate(doc)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/services/node-101/healthcheck');
  });

  it("when checked against the operator's rules, then nothing breaks them", () => {
    expect(composeProblems(compose(), definitions)).toEqual([]);
    expect(Object.keys(compose().services).filter((n) => n.startsWith('node-'))).toEqual(['node-101', 'node-165', 'node-161', 'node-159', 'node-657']);
  });

  it("when a node mounts another node's key folder, a service lacks a health check, runs as root or is built again, then the rules say so", () => {
    const doc = clone();
    doc.services['node-101']!.volumes!.push('keys-165:/var/lib/kommunebro/other');
    delete doc.services.rabbitmq!.healthcheck;
    doc.services['node-165']!.user = 'root';
    doc.services['node-161']!.build = '.';
    doc.services['node-159']!.environment!.KB_BROKER_USER_PREFIX = '';
    expect(composeProblems(doc, definitions)).toEqual([
      'rabbitmq: no health check',
      'the image is built 2 times',
      'node-165: runs as root',
      'node-101: mounts key volumes keys-101, keys-165',
      'node-159: the broker-user check is off',
      'node-159: AMQP_URL does not log in as 159',
      'node-159: broker user 159 is not defined',
      'node-159: broker user 159 lacks its permissions',
    ]);
  });

  it('when a port is hard-coded or AMQP is published, then the rules say so', () => {
    const doc = clone();
    doc.services.rabbitmq!.ports = ['5672:5672'];
    expect(composeProblems(doc, definitions)).toEqual(['rabbitmq: port 5672:5672 is not configurable through .env', 'rabbitmq: publishes 5672 on the host']);
  });

  it('when PostgreSQL is checked for health, then it asks over TCP for every node database its init script makes', () => {
    const postgres = compose().services.postgres!;
    const test = (postgres.healthcheck!.test as string[]).join(' ');
    expect(test).toContain('pg_isready -q -h 127.0.0.1');
    const codes = String(postgres.environment!.KB_NODES).split(' ');
    expect(codes).toEqual(['101', '165', '161', '159', '657']);
    for (const code of codes) expect(test).toContain(`'kb${code}'`);
    expect(test).toContain(`= ${codes.length}`);
    expect(read('deploy/postgres/init-databases.sh')).toContain('CREATE DATABASE :"role" OWNER :"owner"');
  });

  it("when a node is given the database owner's URL, does not wait for its database setup, or its migrate job logs in as the node, then the rules say so", () => {
    const doc = clone();
    doc.services['node-101']!.environment!.DATABASE_OWNER_URL = doc.services['migrate-101']!.environment!.DATABASE_OWNER_URL!;
    delete doc.services['node-165']!.depends_on!['migrate-165'];
    doc.services['migrate-161']!.environment!.DATABASE_OWNER_URL = doc.services['migrate-161']!.environment!.DATABASE_URL!;
    expect(composeProblems(doc, definitions)).toEqual([
      "node-101: holds the database owner's URL",
      'node-165: does not wait for its database setup',
      'migrate-161: does not set up kb161 as kb161_owner',
    ]);
  });

  it('when .env.example is used, then it sets every variable compose requires, and the broker definitions hold its passwords', () => {
    const text = read('docker-compose.yml');
    const required = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!))];
    expect(required.length).toBeGreaterThan(10);
    for (const name of required) expect(envExample[name], name).toBeTruthy();
    // rabbit_password_hashing_sha256: base64(salt ‖ SHA-256(salt ‖ password)), a 4-byte salt.
    const matches = (hash: string, password: string) => {
      const raw = Buffer.from(hash, 'base64');
      return createHash('sha256').update(raw.subarray(0, 4)).update(password).digest().equals(raw.subarray(4));
    };
    for (const code of ['101', '165', '161', '159', '657']) {
      const user = definitions.users.find((u) => u.name === `kb${code}`)!;
      expect(matches(user.password_hash, envExample[`KB_BROKER_PASSWORD_${code}`]!), code).toBe(true);
      expect(matches(user.password_hash, 'another password')).toBe(false);
    }
    expect(matches(definitions.users.find((u) => u.name === 'kbadmin')!.password_hash, envExample.KB_BROKER_ADMIN_PASSWORD!)).toBe(true);
  });

  it('when the Dockerfile builds, then the runtime stage has production dependencies only, compiled code and a non-root user', () => {
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(runtime).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).not.toMatch(/tsx|COPY services/);
    expect(runtime).toMatch(/^USER node$/m);
    // The node alone: its migrations run as the database owner, in the migrate-<code> jobs.
    expect(runtime).toContain(`CMD ${JSON.stringify(['node', ...nodeFlags, 'dist/gateway/src/main.js']).replaceAll(',', ', ')}`);
    for (const [name, value] of Object.entries(nodeEnv)) expect(runtime).toMatch(new RegExp(`^ENV .*\\b${name}=${value}\\b`, 'm'));
    expect(runtime).not.toMatch(/^CMD .*migrate/m);
  });

  it('when the node is started in production mode, then npm run gateway:prod and the image use the same heap flags and malloc setting', () => {
    const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['gateway:prod'];
    const env = Object.entries(nodeEnv).map(([name, value]) => `${name}=${value}`).join(' ');
    expect(script).toBe(`${env} node ${nodeFlags.join(' ')} dist/gateway/src/main.js`);
  });
});
