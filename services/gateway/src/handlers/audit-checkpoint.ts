import { parseCompactJws, verifyWith } from '../crypto/jws.ts';
import type { CheckpointClaims } from '../domain/checkpoint.ts';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import type { MessageHandler } from './registry.ts';

type Deps = Pick<Parts, 'trust' | 'schemas' | 'checkpoints'>;

/**
 * A partner sends a checkpoint of its logs: we keep it as a witness, so its admin can later prove
 * what its logs held even if someone who owns its database rewrote them. Kept only when the
 * checkpoint itself is signed by an active key of the sender and is about the sender.
 */
export function auditCheckpointHandler(deps: Deps): MessageHandler {
  return {
    async received(e, { tx, now }) {
      const jws = (e.payload as { checkpoint: string }).checkpoint;
      let claims: CheckpointClaims;
      try {
        const { kid } = parseCompactJws(jws);
        const verified = await verifyWith(await deps.trust.keyFor(kid, e.from), jws);
        deps.schemas.assertValid('checkpoint', verified);
        claims = verified as unknown as CheckpointClaims;
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        throw new Refusal('checkpoint_invalid', `${error.code}${error.detail ? `: ${error.detail}` : ''}`);
      }
      if (claims.node !== e.from) throw new Refusal('checkpoint_invalid', `sent by ${e.from}, about node ${claims.node}`);
      await deps.checkpoints.witness(tx, { from: e.from, at: claims.at, auditSeq: claims.audit.seq, consentSeq: claims.consent.seq, jws, messageId: e.id }, now);
    },
  };
}
