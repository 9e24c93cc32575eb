import { appendConsentEntry } from '../data/consents.ts';
import type { MessageHandler } from './registry.ts';

interface Withdrawal {
  consentId: string;
  withdrawnAt: string;
  conversationIds: string[];
}

/**
 * A partner withdrew a consent it shared data under: the withdrawal is recorded in our consent
 * log, and the conversations it names that the sender takes part in are restricted, so nothing
 * more is shared in them. Sending one is the withdrawal use case's business (use-cases/consents.ts).
 */
export const consentWithdrawnHandler: MessageHandler = {
  async received(e, { tx, now }) {
    const p = e.payload as unknown as Withdrawal;
    await appendConsentEntry(tx, { kind: 'withdrawal-received', consentId: p.consentId, body: { sender: e.from, messageId: e.id, withdrawnAt: p.withdrawnAt, conversationIds: p.conversationIds } }, now);
    const named = await tx.conversation.findMany({ where: { id: { in: p.conversationIds } }, select: { id: true, roles: true } });
    const theirs = named.filter((c) => Object.values(c.roles as Record<string, string>).includes(e.from)).map((c) => c.id);
    if (theirs.length > 0) await tx.conversation.updateMany({ where: { id: { in: theirs } }, data: { restricted: true } });
  },
};
