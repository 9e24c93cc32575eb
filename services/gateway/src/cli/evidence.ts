// `npm run kb -- evidence verify FILE`: checks an evidence bundle (domain/evidence.ts) with no node
// and no network. The signatures are the proof; every claim of the bundle is held against them.
import jose from 'node-jose';
import { parseCompactJws, verifyWith } from '../crypto/jws.ts';
import { phoneFingerprint, publicP256 } from '../crypto/keys.ts';
import { municipalityName } from '../config/municipalities.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { checkAuditEntries, checkDeadline, evidenceFormat, type EvidenceBundle, type EvidenceDeadline, type EvidenceKey, type Finding, type SignedFacts } from '../domain/evidence.ts';
import { capitalise, dayWords, durationWords, instantWords, startWord, typeWord, type Said } from '../domain/evidence-texts.ts';

export interface EvidenceReport {
  ok: boolean;
  findings: Finding[];
  /** What the bundle proves, in Danish and English; empty unless every check holds. */
  proves: Said[];
}

type Claims = Record<string, any>;

/** Verifies one compact JWS with the bundle's key for its kid, which must be the signer's municipality's. */
async function verifySigned(what: string, jws: unknown, keys: EvidenceKey[], findings: Finding[]): Promise<{ claims: Claims; key: EvidenceKey } | undefined> {
  const fail = (check: string) => {
    findings.push({ ok: false, check: `${what}: ${check}` });
    return undefined;
  };
  if (typeof jws !== 'string') return fail('is a compact JWS');
  let parsed;
  try {
    parsed = parseCompactJws(jws);
  } catch (error) {
    return fail(`is a compact ES256 JWS (${(error as Error).message})`);
  }
  // Base64url has spare bits in its last character: a changed character there would decode to the
  // same signature. Only the one canonical spelling of the 64 signature bytes is accepted.
  const signature = jws.split('.')[2]!;
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== 64 || bytes.toString('base64url') !== signature) return fail('its signature is 64 bytes in canonical base64url');
  const key = keys.find((k) => k.kid === parsed.kid);
  if (!key) return fail(`the bundle holds its key ${parsed.kid}`);
  let claims: Claims;
  try {
    claims = await verifyWith(await jose.JWK.asKey(publicP256(key.jwk, 'bundle')), jws);
  } catch {
    return fail(`the signature verifies with key ${key.kid}`);
  }
  findings.push({ ok: true, check: `${what}: the signature verifies with key ${key.kid}` });
  findings.push({ ok: claims.from === key.municipality && key.jwk.kid === key.kid, check: `${what}: key ${key.kid} is ${String(claims.from)}'s, the claimed sender's` });
  return { claims, key };
}

const same = (findings: Finding[], check: string, a: unknown, b: unknown) => findings.push({ ok: a !== undefined && a === b, check });

/** Reads and checks a bundle file's text; a file that is not JSON does not hold. */
export function verifyEvidenceText(text: string): Promise<EvidenceReport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return Promise.resolve({ ok: false, findings: [{ ok: false, check: 'the file is JSON' }], proves: [] });
  }
  return verifyEvidence(parsed);
}

/** The report as printed: every check, then what it proves in Danish and English. */
export function formatReport(report: EvidenceReport): string {
  const lines = [report.ok ? 'Beviset holder. / The evidence holds.' : 'Beviset holder IKKE. / The evidence does NOT hold.'];
  for (const f of report.findings) if (!report.ok || !f.ok) lines.push(`  ${f.ok ? 'ok  ' : 'FAIL'} ${f.check}`);
  if (report.ok) {
    lines.push(`  ${report.findings.length} checks hold.`, '', 'Det beviser:');
    for (const s of report.proves) lines.push(`  - ${s.da}`);
    lines.push('', 'What it proves:');
    for (const s of report.proves) lines.push(`  - ${s.en}`);
  }
  return lines.join('\n');
}

export async function verifyEvidence(input: unknown): Promise<EvidenceReport> {
  const findings: Finding[] = [];
  const bundle = input as EvidenceBundle;
  if (typeof bundle !== 'object' || bundle === null || bundle.format !== evidenceFormat || !bundle.message || !Array.isArray(bundle.keys) || !Array.isArray(bundle.audit?.entries) || !Array.isArray(bundle.deadlines)) {
    return { ok: false, findings: [{ ok: false, check: `the file is an evidence bundle (${evidenceFormat})` }], proves: [] };
  }
  try {
    return await verifyBundle(bundle, findings);
  } catch (error) {
    findings.push({ ok: false, check: `the bundle is complete and well-formed (${(error as Error).message})` });
    return { ok: false, findings, proves: [] };
  }
}

async function verifyBundle(bundle: EvidenceBundle, findings: Finding[]): Promise<EvidenceReport> {
  const { message: m, signal: s, keys } = bundle;
  for (const key of keys) same(findings, `key ${key.kid}: its fingerprint is ${key.fingerprint}`, await phoneFingerprint(key.jwk).catch(() => undefined), key.fingerprint);

  const signedMessage = await verifySigned('the message', m.jws, keys, findings);
  if (signedMessage) {
    const c = signedMessage.claims;
    for (const field of ['id', 'type', 'from', 'to', 'conversationId', 'createdAt'] as const) same(findings, `the message: the signed ${field} is the bundle's`, c[field], m[field]);
    same(findings, `the message: ${m.direction === 'out' ? 'sent by' : 'addressed to'} the issuing node ${bundle.issuedBy.municipality}`, m.direction === 'out' ? c.from : c.to, bundle.issuedBy.municipality);
  }

  const signedSignal = s ? await verifySigned(`the ${s.type}`, s.jws, keys, findings) : undefined;
  if (s && signedSignal) {
    const c = signedSignal.claims;
    same(findings, `the ${s.type}: its signed type is the bundle's`, c.type, s.type);
    same(findings, `the ${s.type}: it comes from the message's recipient`, c.from, m.to);
    same(findings, `the ${s.type}: it goes to the message's sender`, c.to, m.from);
    same(findings, `the ${s.type}: it names the message`, c.payload?.messageId, m.id);
    same(findings, `the ${s.type}: it answers the message (inReplyTo)`, c.inReplyTo, m.id);
    same(findings, `the ${s.type}: it belongs to the message's conversation`, c.conversationId, m.conversationId);
    if (s.type === 'receipt') same(findings, `the receipt: the signed time of receipt is the bundle's`, c.payload?.receivedAt, s.receivedAt);
    if (s.type === 'error') same(findings, `the error: the signed refusal code is the bundle's`, c.payload?.code, s.code);
  }

  if (!s && m.direction === 'out' && (m.status === 'delivered' || m.status === 'rejected')) findings.push({ ok: false, check: `the message is ${m.status}: the bundle holds the recipient's signal` });

  const entries = bundle.audit.entries;
  findings.push(...checkAuditEntries(entries));
  findings.push({ ok: entries.some((e) => e.messageId === m.id), check: 'the audit log records the message' });
  const kids = new Set(keys.map((k) => k.kid));
  for (const e of entries) findings.push({ ok: e.messageId === m.id || kids.has(String(e.detail?.kid)), check: `audit entry ${e.seq} is about the message or one of its keys` });

  const starters = new Map<string, Claims>();
  for (const d of bundle.deadlines) {
    if (d.startedBy && !starters.has(d.startedBy.messageId)) {
      const started = await verifySigned(`the message that started ${d.deadline}`, d.startedBy.jws, keys, findings);
      if (started) starters.set(d.startedBy.messageId, started.claims);
    }
  }
  for (const d of bundle.deadlines) {
    if (!signedMessage) break;
    const startedBy = d.startedBy ? starters.get(d.startedBy.messageId) : undefined;
    if (d.startedBy) same(findings, `deadline ${d.deadline}: the starting message's signed id is ${d.startedBy.messageId}`, startedBy?.id, d.startedBy.messageId);
    const facts: SignedFacts = { message: signedMessage.claims as SignedFacts['message'], startedBy: startedBy as SignedFacts['startedBy'] };
    findings.push(...checkDeadline(d, facts));
  }

  const ok = findings.length > 0 && findings.every((f) => f.ok);
  return { ok, findings, proves: ok && signedMessage ? proofs(bundle, signedMessage.claims, signedSignal?.claims) : [] };
}

const keyStates: Record<string, Said> = {
  active: { da: 'aktiv', en: 'active' },
  pending: { da: 'afventer godkendelse', en: 'pending approval' },
  'pending-rotation': { da: 'nøgleskift afventer', en: 'rotation pending' },
  retired: { da: 'udfaset', en: 'retired' },
  revoked: { da: 'tilbagekaldt', en: 'revoked' },
  current: { da: 'i brug', en: 'in use' },
  next: { da: 'næste nøgle', en: 'the next key' },
};
const state = (code: string) => keyStates[code] ?? { da: code, en: code };

/** The sentences: who sent what when, who received or refused it when, the deadline, the keys, the log. */
function proofs(bundle: EvidenceBundle, message: Claims, signal: Claims | undefined): Said[] {
  const from = municipalityName(message.from);
  const to = municipalityName(message.to);
  const type = typeWord(message.type);
  const key = (kid: string) => bundle.keys.find((k) => k.kid === kid)!;
  const messageKey = key(parseCompactJws(bundle.message.jws).kid);
  const sent = instantWords(message.createdAt);
  const said: Said[] = [
    {
      da: `${from} sendte ${type.da} til ${to} ${sent.da} (id ${message.id}), underskrevet med ${from}s nøgle ${messageKey.kid} (fingeraftryk ${messageKey.fingerprint}).`,
      en: `${from} sent the ${type.en} to ${to} on ${sent.en} (id ${message.id}), signed with ${from}'s key ${messageKey.kid} (fingerprint ${messageKey.fingerprint}).`,
    },
  ];
  const met = bundle.deadlines.find((d) => d.relation === 'met-by-message');
  let deadlineSaid = false;
  if (signal?.type === 'receipt') {
    const received = instantWords(signal.payload.receivedAt);
    const signer = key(parseCompactJws(bundle.signal!.jws).kid).kid;
    if (met && copenhagenDate(new Date(signal.payload.receivedAt)) === met.metOn) {
      const w = deadlineWords(met);
      said.push({ da: `${to} modtog ${type.da} ${received.da}, ${w.da}. ${to} kvitterede med sin underskrift (nøgle ${signer}).`, en: `${to} received the ${type.en} on ${received.en}, ${w.en}. ${to} acknowledged it with its signature (key ${signer}).` });
      deadlineSaid = true;
    } else {
      said.push({ da: `${to} modtog ${type.da} ${received.da} og kvitterede med sin underskrift (nøgle ${signer}).`, en: `${to} received the ${type.en} on ${received.en} and acknowledged it with its signature (key ${signer}).` });
    }
  } else if (signal?.type === 'error') {
    const at = instantWords(signal.createdAt);
    said.push({ da: `${to} afviste ${type.da} ${at.da} med koden ${signal.payload.code}, underskrevet af ${to}.`, en: `${to} refused the ${type.en} on ${at.en} with the code ${signal.payload.code}, signed by ${to}.` });
  } else {
    said.push({ da: 'Beviset rummer ingen underskrevet kvittering eller afvisning fra modtageren.', en: 'The bundle holds no signed receipt or error signal from the recipient.' });
  }
  if (met && !deadlineSaid) {
    const w = deadlineWords(met);
    said.push({ da: `${capitalise(type.da)} er dateret ${dayWords(met.metOn!).da}, ${w.da}.`, en: `The ${type.en} is dated ${dayWords(met.metOn!).en}, ${w.en}.` });
  }
  for (const d of bundle.deadlines) {
    if (d === met) {
      said.push({ da: `Fristen »${d.title}« hviler på: ${d.reference}.`, en: `The deadline "${d.title}" rests on: ${d.reference}.` });
      continue;
    }
    const duration = durationWords(d.rule.duration);
    const start = startWord(d.rule.startsWith);
    said.push({
      da: `${capitalise(type.da)} startede fristen »${d.title}«: ${duration.da} efter ${start.da} (${dayWords(d.startOn).da}), senest ${dayWords(d.dueOn).da}; ${stateDa[d.state]} pr. ${dayWords(d.judgedOn).da}. Kilde: ${d.reference}.`,
      en: `The ${type.en} started the deadline "${d.title}": ${duration.en} after ${start.en} (${dayWords(d.startOn).en}), due ${dayWords(d.dueOn).en}; ${d.state} as of ${dayWords(d.judgedOn).en}. Source: ${d.reference}.`,
    });
  }
  for (const k of bundle.keys) {
    const name = municipalityName(k.municipality);
    said.push(
      k.owner === 'partner'
        ? { da: `Nøgle ${k.kid} (${k.fingerprint}) tilhører ${name}; den var aktiv, da den blev brugt, og er i dag ${state(k.stateNow).da}.`, en: `Key ${k.kid} (${k.fingerprint}) is ${name}'s; it was active when used and is ${state(k.stateNow).en} today.` }
        : { da: `Nøgle ${k.kid} (${k.fingerprint}) er ${name}s egen underskriftsnøgle, i dag ${state(k.stateNow).da}.`, en: `Key ${k.kid} (${k.fingerprint}) is ${name}'s own signing key, ${state(k.stateNow).en} today.` },
    );
  }
  const issuer = bundle.issuedBy.name;
  const n = bundle.audit.entries.length;
  said.push({
    da: `${n} poster i ${issuer}s revisionslog om beskeden og dens nøgler genberegner til deres SHA-256-værdier; loggen havde ${bundle.audit.head.seq} poster, da beviset blev udstedt ${instantWords(bundle.issuedAt).da}. Om de står uændret i kæden, viser ${issuer}s kontrol af loggen (GET /audit/verify).`,
    en: `${n} entries of ${issuer}'s audit log about the message and its keys recompute to their SHA-256 hashes; the log held ${bundle.audit.head.seq} entries when the bundle was issued on ${instantWords(bundle.issuedAt).en}. Whether they stand unchanged in the chain is shown by ${issuer}'s log check (GET /audit/verify).`,
  });
  return said;
}

const stateDa: Record<EvidenceDeadline['state'], string> = { pending: 'afventer', met: 'overholdt', overdue: 'overskredet', cancelled: 'annulleret' };

/** "inden for 3 hverdage efter afgørelsen om optagelse (1. december 2026; fristen udløb 4. december 2026)". */
function deadlineWords(d: EvidenceDeadline): Said {
  const duration = durationWords(d.rule.duration);
  const start = startWord(d.rule.startsWith);
  const startOn = dayWords(d.startOn);
  const dueOn = dayWords(d.dueOn);
  return d.state === 'met'
    ? { da: `inden for ${duration.da} efter ${start.da} (${startOn.da}; fristen udløb ${dueOn.da})`, en: `within ${duration.en} after ${start.en} (${startOn.en}; the deadline ended ${dueOn.en})` }
    : { da: `efter fristen på ${duration.da} efter ${start.da} (${startOn.da}; fristen udløb ${dueOn.da})`, en: `after the deadline of ${duration.en} after ${start.en} (${startOn.en}; the deadline ended ${dueOn.en})` };
}
