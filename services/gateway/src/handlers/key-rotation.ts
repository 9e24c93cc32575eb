import type { Logger } from 'pino';
import type { PublicJwk } from '../crypto/jws.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import type { Contracts } from '../domain/contracts.ts';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import type { MessageHandler } from './registry.ts';

type Deps = Pick<Parts, 'municipality' | 'trust' | 'log'> & { contracts: Pick<Contracts, 'automaticKeyRotation'>; keyOverlapMs: number; log: Logger };

/**
 * A partner announces its next key. The announcement must be signed with the key it replaces; the
 * new key goes into the trust store, approved at once when an agreement with the sender says so,
 * else left pending for an admin.
 */
export function keyRotationHandler(deps: Deps): MessageHandler {
  return {
    async received(e, { tx, now, signingKid }) {
      const announcement = e.payload as { newKey: PublicJwk; validFrom: string; replacesKid: string };
      if (announcement.replacesKid !== signingKid) {
        throw new Refusal('key_announcement_invalid', `signed with ${signingKid}, announces a replacement for ${announcement.replacesKid}`);
      }
      const automatic = deps.contracts.automaticKeyRotation(deps.municipality, e.from, copenhagenDate(now));
      const outcome = await deps.trust.within(tx).acceptAnnouncement(e.from, announcement, automatic, deps.keyOverlapMs, now);
      deps.log.info({ from: e.from, kid: announcement.newKey.kid, outcome }, 'key rotation announced');
    },
  };
}
