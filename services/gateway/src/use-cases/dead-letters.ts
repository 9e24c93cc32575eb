import { Refusal } from '../domain/errors.ts';
import type { Caller, Parts } from '../parts.ts';

type Deps = Pick<Parts, 'deadLetters' | 'audit'>;

function queueOf(deps: Deps) {
  if (!deps.deadLetters) throw new Refusal('not_found', 'this node has no dead-letter queue configured');
  return deps.deadLetters;
}

/** The node's dead letters with their facts (no payload), counted per refusal code; the look is audited. */
export async function listDeadLetters(deps: Deps, caller: Caller) {
  const letters = await queueOf(deps).list();
  const byCode: Record<string, number> = {};
  for (const l of letters) byCode[l.code] = (byCode[l.code] ?? 0) + 1;
  await deps.audit.record({ actor: caller.subject, action: 'dead-letter.list', outcome: 'done', detail: { count: letters.length } });
  return { byCode, deadLetters: letters };
}

/** Puts one dead letter back into this node's own inbox, once its cause is fixed (e.g. a key approved). */
export async function replayDeadLetter(deps: Deps, caller: Caller, id: string) {
  const replayed = await queueOf(deps).replay(id);
  if (!replayed) throw new Refusal('not_found', 'no dead letter with that id');
  await deps.audit.record({ actor: caller.subject, action: 'dead-letter.replay', outcome: 'done', messageId: id, detail: { code: replayed.code, type: replayed.type, from: replayed.from } });
  return replayed;
}
