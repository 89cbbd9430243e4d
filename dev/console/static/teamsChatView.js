import { adaptiveCardContentType, adaptiveCardElement } from './adaptiveCardView.js';
import { timeOf } from './displayText.js';
import { el } from './elementBuilder.js';
import { withMentions } from './mentionView.js';

/**
 * One conversation as Teams shows it, in time order: what the bot posted, as the emulator received it (the
 * latest payload, so updates are applied; deleted ones as Teams shows them; a counter when one payload
 * arrived more than once, a duplicate send), and what the user wrote to the bot. Mentions show as Teams shows
 * them, by what the emulator recorded (`posted.mentions`).
 */
export function teamsChatMessages({ activities, userMessages }, onCardAction) {
  if (activities.length === 0 && userMessages.length === 0) return [el('p', { class: 'muted small empty-chat' }, 'No messages yet.')];
  const entries = [
    ...activities.map((posted) => ({ at: String(posted.createdAt), render: () => message(posted, onCardAction) })),
    ...userMessages.map((written) => ({ at: String(written.createdAt), render: () => userMessage(written) })),
  ];
  // Stable: the emulator lists each side in order, and a tie keeps the bot's post first.
  return entries.sort((a, b) => a.at.localeCompare(b.at)).map((entry) => entry.render());
}

function userMessage(written) {
  const name = written.from?.name ?? 'User';
  return el(
    'article',
    { class: 'message from-user', 'data-testid': 'user-message', 'data-activity-id': written.id },
    el(
      'header',
      { class: 'row message-header' },
      el('span', { class: 'avatar user', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase()),
      el('strong', {}, name),
      el('time', { class: 'muted small', datetime: written.createdAt, title: written.createdAt }, timeOf(written.createdAt)),
    ),
    el('div', { class: 'message-text', 'data-testid': 'message-text' }, written.text),
  );
}

function message(posted, onCardAction) {
  const activity = posted.activity ?? {};
  const badges = [
    posted.updateCount > 0 ? el('span', { class: 'badge edited', 'data-testid': 'message-edited' }, posted.updateCount === 1 ? 'edited' : `edited ×${posted.updateCount}`) : null,
    posted.receivedCount > 1
      ? el('span', { class: 'badge duplicate', 'data-testid': 'message-duplicates', title: 'The same payload arrived more than once: a duplicate send' }, `received ×${posted.receivedCount}`)
      : null,
    posted.deleted ? el('span', { class: 'badge deleted', 'data-testid': 'message-deleted' }, 'deleted') : null,
  ];
  return el(
    'article',
    {
      class: `message${posted.deleted ? ' is-deleted' : ''}`,
      'data-testid': 'teams-message',
      'data-activity-id': posted.id,
      'data-received-count': String(posted.receivedCount),
      'data-update-count': String(posted.updateCount),
      'data-deleted': String(posted.deleted),
    },
    el(
      'header',
      { class: 'row message-header' },
      el('span', { class: 'avatar', 'aria-hidden': 'true' }, 'B'),
      el('strong', {}, activity.from?.name ?? 'Bot'),
      el('time', { class: 'muted small', datetime: posted.createdAt, title: posted.createdAt }, timeOf(posted.createdAt)),
      badges,
    ),
    posted.deleted ? el('p', { class: 'muted deleted-text' }, 'This message has been deleted.') : messageBody(activity, posted.mentions ?? [], onCardAction),
  );
}

function messageBody(activity, mentions, onCardAction) {
  const parts = [];
  if (typeof activity.text === 'string' && activity.text !== '') {
    const textMentions = mentions.filter((mention) => mention.in === 'text');
    parts.push(el('div', { class: 'message-text', 'data-testid': 'message-text' }, withMentions(activity.text, textMentions)));
  }
  for (const [index, attachment] of (activity.attachments ?? []).entries()) {
    const cardMentions = mentions.filter((mention) => mention.in === 'card' && mention.attachment === index);
    parts.push(
      attachment.contentType === adaptiveCardContentType
        ? adaptiveCardElement(attachment.content, onCardAction, cardMentions)
        : el('div', { class: 'card-frame card-fallback' }, el('p', { class: 'muted small' }, `attachment ${attachment.contentType}`), el('pre', {}, JSON.stringify(attachment.content ?? attachment, null, 2))),
    );
  }
  const actions = activity.suggestedActions?.actions ?? [];
  if (actions.length > 0) {
    parts.push(el('div', { class: 'row suggested', 'data-testid': 'suggested-actions' }, actions.map((action) => el('span', { class: 'chip' }, action.title ?? action.value))));
  }
  if (parts.length === 0) parts.push(el('p', { class: 'muted small' }, `(${activity.type ?? 'activity'} without text or attachments)`));
  return el('div', { class: 'message-body' }, parts);
}
