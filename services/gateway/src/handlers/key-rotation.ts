import type { Logger } from 'pino';
import type { PublicJwk } from '../crypto/jws.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import type { Contracts } from '../domain/contracts.ts';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import type { MessageHandler } from './registry.ts';

type Deps = Pick<Parts, 'municipality' | 'trust' | 'log'> & { contracts: Pick<Contracts, 'automaticKeyRotation'>; keyOverlapMs: number; log: Logger };

/**
 * A partner announces its next signing and encryption keys. The announcement must be signed with
 * the signing key it replaces; the new keys go into the trust store, approved at once when an agreement with the sender says so,
 * else left pending for an admin.
 */
export function keyRotationHandler(deps: Deps): MessageHandler {
  return {
    async received(e, { tx, now, signingKid }) {
      const announcement = e.payload as { newKey: PublicJwk; newEncryptionKey: PublicJwk; validFrom: string; replacesKid: string; replacesEncryptionKid: string };
      if (announcement.replacesKid !== signingKid) {
        throw new Refusal('key_announcement_invalid', `signed with ${signingKid}, announces a replacement for ${announcement.replacesKid}`);
      }
      // The encryption key it replaces is the sender's own: an announcement never retires another municipality's key.
      if (!announcement.replacesEncryptionKid.startsWith(`${e.from}-enc-`)) {
        throw new Refusal('key_announcement_invalid', `replacesEncryptionKid ${announcement.replacesEncryptionKid} is not an encryption key of ${e.from}`);
      }
      const automatic = deps.contracts.automaticKeyRotation(deps.municipality, e.from, copenhagenDate(now));
      const outcome = await deps.trust.within(tx).acceptAnnouncement(e.from, announcement, automatic, deps.keyOverlapMs, now);
      deps.log.info({ from: e.from, kid: announcement.newKey.kid, outcome }, 'key rotation announced');
    },
  };
}
