import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import jose from 'node-jose';
import { parseCompactJws, thumbprint, verifyWith } from '../../services/gateway/src/crypto/jws.ts';
import { allowedClockSkewMs, messageLifetimeDays, protocolVersion } from '../../services/gateway/src/domain/envelope.ts';
import { refusals } from '../../services/gateway/src/domain/errors.ts';
import { SchemaRegistry } from '../../services/gateway/src/domain/schemas.ts';
import { brokerNames, brokerPermissions } from '../../services/gateway/src/config/broker-names.ts';
import { inboundSteps } from '../../services/gateway/src/pipeline/inbound.ts';

// docs/PROTOCOL.md is what partners build from: these checks keep its numbers, names and test vector true.
const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const section = (heading: string) => {
  const start = doc.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + heading.length);
  return doc.slice(start, end < 0 ? undefined : end);
};

describe('docs/PROTOCOL.md: when a partner builds from it', () => {
  const schemas = new SchemaRegistry();

  it('then its test vector verifies with its key, whose kid is the municipality code and the thumbprint prefix, and is a valid envelope', async () => {
    const example = section('### §3.4');
    const jws = example.match(/```\n([\s\S]*?)\n```/)![1]!.split('\n').join('');
    const jwk = JSON.parse(example.match(/```json\n([\s\S]*?)\n```/)![1]!);
    expect(parseCompactJws(jws).kid).toBe(jwk.kid);
    const claims = await verifyWith(await jose.JWK.asKey(jwk), jws);
    expect(jwk.kid).toBe(`101-${(await thumbprint(jwk)).slice(0, 16)}`);
    expect(schemas.problems('envelope', claims)).toEqual([]);
    expect(schemas.problems('receipt', claims.payload)).toEqual([]);
  });

  it('then it states the protocol version, the message lifetime and the clock skew the node enforces', () => {
    expect(doc.split('\n')[0]).toBe(`# Kommunebro node-to-node protocol, version ${protocolVersion}`);
    expect(section('### §6.1')).toContain(`at most ${messageLifetimeDays} days`);
    expect(section('### §6.2')).toContain(`**${allowedClockSkewMs / 60_000} minutes**`);
  });

  it('then every code in its refusal table exists, and every code a partner can meet on the broker is in it', () => {
    const listed = [...section('## §11').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    for (const code of listed) expect(Object.keys(refusals)).toContain(code);
    for (const code of ['envelope_invalid', 'expiry_invalid', 'created_in_future', 'message_expired', 'id_collision', 'wrong_recipient', 'transport_sender_mismatch', 'reply_unknown', 'unsolicited_signal', 'retries_exhausted']) {
      expect(listed).toContain(code);
    }
  });

  it('then its order of checks has a row for every step of the inbound pipeline', () => {
    const rows = [...section('## §10').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    // verifySignature is two rows (the signature, then the verified claims' envelope).
    expect(rows).toEqual(Array.from({ length: inboundSteps.length + 1 }, (_, i) => i + 1));
  });

  it('then its broker names and permissions are the ones the node declares', () => {
    const names = brokerNames('<x>', '<code>');
    const topology = section('## §2');
    for (const name of [names.inbox, names.dead, names.routingKey]) expect(topology).toContain(`\`${name}\``);
    expect(brokerPermissions('kommunebro', '101').write).toBe('^(kommunebro|kommunebro\\.101\\.(inbox|dead))$');
    expect(topology).toContain('`^(<x>|<x>\\.<code>\\.(inbox|dead))$`');
  });
});
