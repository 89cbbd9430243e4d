import { shortId } from './displayText.js';
import { el } from './elementBuilder.js';

const typeLabels = { personal: 'personal', groupChat: 'group chat', channel: 'channel' };

/** What a person in Teams would call the conversation. */
export function conversationTitle(conversation) {
  if (conversation.type === 'channel') {
    const channel = conversation.channelId === undefined || conversation.channelId === conversation.teamId ? 'General' : shortId(conversation.channelId, 6);
    return `${conversation.teamName ?? 'Team'} › ${channel}`;
  }
  if (conversation.type === 'groupChat') return (conversation.members ?? []).map((member) => member.name).join(', ') || 'Group chat';
  return conversation.user?.name ?? 'Personal chat';
}

/** The Teams-side actions that make sense in each state (see the emulator's control API). */
function actionsFor(status) {
  switch (status) {
    case 'active':
      return [['uninstall', 'Uninstall'], ['block', 'Block'], ['delete', 'Delete']];
    case 'blocked':
      return [['unblock', 'Unblock'], ['uninstall', 'Uninstall'], ['delete', 'Delete']];
    case 'uninstalled':
      return [['install', 'Re-install'], ['delete', 'Delete']];
    default:
      return [['install', 'Re-install']];
  }
}

/**
 * The emulator's conversations, each with its Teams-side status and buttons. `onSelect(id)` and
 * `onAction(id, action)` are the page's; the list itself keeps no state.
 */
export function teamsConversationItems({ conversations, selectedId }, { onSelect, onAction }) {
  return conversations.map((conversation) => {
    const id = conversation.conversationId;
    const selected = id === selectedId;
    return el(
      'li',
      {
        class: `conversation-item${selected ? ' selected' : ''}`,
        'data-testid': 'teams-conversation',
        'data-conversation-id': id,
        'data-status': conversation.status,
        'data-selected': String(selected),
        onclick: () => onSelect(id),
      },
      el(
        'div',
        { class: 'row spread' },
        el('span', { class: 'title' }, el('span', { class: `type-tag type-${conversation.type}` }, typeLabels[conversation.type] ?? conversation.type), ' ', conversationTitle(conversation)),
        el('span', { class: `badge status-${conversation.status}`, 'data-testid': 'teams-status' }, conversation.status),
      ),
      el('div', { class: 'muted small mono', title: id }, shortId(id), ` · ${conversation.activityCount} message${conversation.activityCount === 1 ? '' : 's'}`),
      el(
        'div',
        { class: 'row actions' },
        actionsFor(conversation.status).map(([action, label]) =>
          el(
            'button',
            {
              type: 'button',
              class: action === 'delete' ? 'small-button danger' : 'small-button',
              'data-testid': `teams-${action}`,
              onclick: (event) => {
                event.stopPropagation();
                onAction(id, action);
              },
            },
            label,
          ),
        ),
      ),
    );
  });
}
