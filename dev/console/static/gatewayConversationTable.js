import { shortId, timeOf } from './displayText.js';
import { el } from './elementBuilder.js';

/** Who the conversation is with, from the stored reference (the user's name in a personal chat). */
function conversationLabel(conversation) {
  if (conversation.scope === 'personal') return conversation.reference?.user?.name ?? 'personal chat';
  if (conversation.scope === 'channel') return conversation.isThread ? 'channel thread' : 'channel';
  return conversation.reference?.conversation?.name ?? 'group chat';
}

/** Rows of the gateway's address book, most recently changed first; a removed conversation says why and since when. */
export function gatewayConversationRows({ conversations, selectedId }, onSelect) {
  const sorted = [...conversations].sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)));
  return sorted.map((conversation) => {
    const id = conversation.conversationId;
    const removed = conversation.status === 'removed';
    const reason = removed ? (conversation.removedReason ?? conversation.statusReason) : conversation.statusReason;
    return el(
      'tr',
      {
        class: id === selectedId ? 'selected' : '',
        'data-testid': 'gateway-conversation',
        'data-conversation-id': id,
        'data-status': conversation.status,
        'data-removed-reason': removed ? (conversation.removedReason ?? '') : '',
        onclick: () => onSelect(id),
      },
      el('td', { title: id }, el('div', {}, conversationLabel(conversation)), el('div', { class: 'muted small mono nowrap' }, shortId(id, 6))),
      el('td', { title: `tenant ${conversation.tenantId}` }, el('div', { 'data-testid': 'gateway-scope' }, conversation.scope), el('div', { class: 'muted mono nowrap', 'data-testid': 'gateway-tenant' }, shortId(conversation.tenantId, 4))),
      el('td', {}, el('span', { class: `badge status-${conversation.status}`, 'data-testid': 'gateway-status' }, conversation.status)),
      el('td', { class: removed ? 'reason removed-reason' : 'reason muted', 'data-testid': 'gateway-reason' }, reason ?? ''),
      el('td', { class: 'small nowrap', title: removed ? conversation.removedAt : conversation.statusChangedAt }, timeOf(removed ? conversation.removedAt : conversation.statusChangedAt)),
    );
  });
}
