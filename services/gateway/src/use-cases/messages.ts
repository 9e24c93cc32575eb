import { municipalityName } from '../config/municipalities.ts';
import { copenhagenDate } from '../domain/calendar.ts';
import { Refusal } from '../domain/errors.ts';
import type { MessageFilter, MessageRecord } from '../data/messages.ts';
import type { Parts } from '../parts.ts';
import { deadlineView } from './deadlines.ts';

export { sendMessage, type OutboundDeps as SendDeps } from '../pipeline/outbound.ts';
export type { MessageFilter, MessageRecord };
export type { Direction, MessageStatus } from '../data/messages.ts';

const namedRoles = (roles: Record<string, string>) =>
  Object.fromEntries(Object.entries(roles).map(([role, code]) => [role, { code, name: municipalityName(code) }]));

export async function findMessage(deps: Pick<Parts, 'messages'>, id: string): Promise<MessageRecord> {
  const message = await deps.messages.find(id);
  if (!message) throw new Refusal('not_found', 'no message with that id');
  return message;
}

export function listMessages(deps: Pick<Parts, 'messages'>, filter: MessageFilter): Promise<MessageRecord[]> {
  return deps.messages.list(filter);
}

export async function listConversations(deps: Pick<Parts, 'conversations'>, filter: { model?: string; state?: string }) {
  const list = await deps.conversations.list({ ...filter, limit: 500 });
  return list.map((c) => ({ ...c, roles: namedRoles(c.roles) }));
}

/** One conversation as its parties see it: who holds which role, its messages in order, its deadlines. */
export async function conversationTimeline(deps: Pick<Parts, 'municipality' | 'conversations' | 'messages' | 'contracts' | 'now'>, id: string) {
  const conversation = await deps.conversations.find(id);
  if (!conversation) throw new Refusal('not_found', 'no conversation with that id');
  const today = copenhagenDate(deps.now());
  const model = deps.contracts.model(conversation.model);
  const messages = await deps.messages.list({ conversationId: id, limit: 1000 });
  return {
    ...conversation,
    modelTitle: model.title,
    closed: model.closedStates.includes(conversation.state),
    roles: namedRoles(conversation.roles),
    ourRoles: Object.entries(conversation.roles).filter(([, code]) => code === deps.municipality).map(([role]) => role),
    timeline: messages.reverse().map((m) => ({
      id: m.id, type: m.type, direction: m.direction, from: m.from, to: m.to, inReplyTo: m.inReplyTo, status: m.status,
      reason: m.reason, createdAt: m.createdAt, deliveredAt: m.deliveredAt, receivedAt: m.receivedAt,
    })),
    deadlines: (await deps.conversations.deadlines({ conversationId: id })).map((d) => deadlineView(d, today)),
  };
}
