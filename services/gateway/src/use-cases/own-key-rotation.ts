import { copenhagenDate } from '../domain/calendar.ts';
import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';
import { sendMessage, type OutboundDeps } from '../pipeline/outbound.ts';

type Deps = OutboundDeps & Pick<Parts, 'ownKeys' | 'settings'>;

/**
 * Makes the node's next signing and encryption keys and announces them to every partner in a
 * trust.key-rotation message signed with the current key. The node keeps signing with the current
 * key until validFrom, so partners have the new key before they meet it; they keep the old one for
 * the overlap after. It decrypts with both from now on, so partners may encrypt to the new key at once.
 */
export async function rotateOwnKey(deps: Deps, caller: Caller): Promise<{ kid: string; encryptionKid: string; validFrom: string; replacesKid: string; announcedTo: string[] }> {
  const now = deps.now();
  const current = deps.ownKeys.signingKey(now);
  const currentEncryptionKid = deps.ownKeys.status().encryption.current;
  const pending = deps.ownKeys.status().next;
  if (pending) throw new Refusal('key_state_forbids', `a rotation to ${pending.kid} is under way until ${pending.validFrom}`);
  const validFrom = new Date(now.getTime() + deps.settings.keyRotationLeadMs);
  const next = await deps.ownKeys.prepareNext(validFrom);
  const partners = deps.contracts.partnersOf(deps.municipality, copenhagenDate(now));
  const payload = { newKey: next.signing.publicJwk, newEncryptionKey: next.encryption.publicJwk, validFrom: validFrom.toISOString(), replacesKid: current.kid, replacesEncryptionKid: currentEncryptionKid };
  for (const to of partners) await sendMessage(deps, caller, { type: 'trust.key-rotation', to, payload }, { system: true });
  await deps.audit.record({ actor: caller.subject, action: 'key.rotate', outcome: 'done', detail: { kid: next.signing.kid, encryptionKid: next.encryption.kid, replacesKid: current.kid, validFrom: payload.validFrom, announcedTo: partners } });
  return { kid: next.signing.kid, encryptionKid: next.encryption.kid, validFrom: payload.validFrom, replacesKid: current.kid, announcedTo: partners };
}
