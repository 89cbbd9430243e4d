import { errorText, shortId, timeOf } from './displayText.js';
import { el } from './elementBuilder.js';

const countOrder = ['queued', 'sent', 'failed', 'skipped', 'cancelled'];

/** Why a delivery did not (yet) arrive: the Teams error, or why the gateway did not even try. */
function failureCode(delivery) {
  return delivery.lastError?.code ?? delivery.reason ?? '';
}

/** The error's message, led by its HTTP status unless the message already names it. */
function errorDetail(error) {
  const status = error.status === undefined ? '' : String(error.status);
  return status === '' || error.message.includes(status) ? error.message : `${status}: ${error.message}`;
}

function deliveryRow(delivery, notificationId) {
  const code = failureCode(delivery);
  const detail = [
    delivery.lastError === undefined ? null : errorDetail(delivery.lastError),
    delivery.failureClass === undefined ? null : `class: ${delivery.failureClass}`,
    delivery.removalReason === undefined ? null : `conversation removed: ${delivery.removalReason}`,
    delivery.lastOperation === undefined ? null : `last ${delivery.lastOperation.operation}: ${delivery.lastOperation.status}`,
    delivery.installation === undefined ? null : `app ${delivery.installation.status} for the user (Graph)`,
  ].filter((part) => part !== null);
  const target =
    delivery.conversationId ?? delivery.target?.conversationId ?? (delivery.user === undefined ? JSON.stringify(delivery.target ?? {}) : `new chat with ${delivery.user.userId}`);
  return el(
    'tr',
    { 'data-testid': 'delivery', 'data-notification-id': notificationId, 'data-conversation-id': delivery.conversationId ?? '', 'data-status': delivery.status, 'data-error-code': code },
    el('td', { class: 'mono small nowrap', title: target }, shortId(target, 6)),
    el('td', {}, el('span', { class: `badge delivery-${delivery.status}`, 'data-testid': 'delivery-status' }, delivery.status)),
    el('td', { class: 'small' }, String(delivery.attempts)),
    el('td', { class: code === '' ? 'small why' : 'small why failure' }, code === '' ? null : el('strong', { 'data-testid': 'delivery-error-code' }, code), detail.length > 0 ? el('div', { class: 'muted' }, detail.join(' · ')) : null),
    el('td', { class: 'small nowrap', title: delivery.updatedAt }, timeOf(delivery.updatedAt)),
  );
}

/** One notification the console sent or was asked about: its status, counts and every delivery of the first page. */
function notificationCard(entry, onForget) {
  const header = el(
    'header',
    { class: 'row spread' },
    el('span', { class: 'mono', title: entry.id }, entry.id),
    el('button', { type: 'button', class: 'small-button', title: 'Stop following this notification', onclick: () => onForget(entry.id) }, '×'),
  );
  if (entry.status !== 200) {
    const unknown = entry.status === 404;
    return el(
      'article',
      { class: 'notification', 'data-testid': 'notification', 'data-notification-id': entry.id, 'data-status': unknown ? 'unknown' : 'error' },
      header,
      el('p', { class: 'error small' }, unknown ? 'The gateway knows no notification with this id (sent to an earlier run?). No longer asked for; look it up again to retry.' : errorText(entry)),
    );
  }
  const body = entry.body;
  const counts = body.counts ?? {};
  return el(
    'article',
    { class: 'notification', 'data-testid': 'notification', 'data-notification-id': entry.id, 'data-status': body.status },
    header,
    el(
      'div',
      { class: 'row small' },
      el('span', { class: 'muted' }, `${body.status} · created ${timeOf(body.createdAt)}${body.revision > 0 ? ` · revision ${body.revision}` : ''}`),
      countOrder.filter((name) => (counts[name] ?? 0) > 0).map((name) => el('span', { class: `badge delivery-${name}`, 'data-testid': `count-${name}` }, `${counts[name]} ${name}`)),
    ),
    (body.fanOut ?? []).map((fan) => el('p', { class: 'small muted' }, `tenant ${shortId(fan.target.tenantId, 4)} (${fan.target.scope}): ${fan.status}, ${fan.deliveries} deliveries`)),
    body.deliveries.length === 0
      ? el('p', { class: 'muted small' }, 'No deliveries yet.')
      : el(
          'table',
          { class: 'grid deliveries' },
          el('thead', {}, el('tr', {}, el('th', {}, 'to'), el('th', {}, 'status'), el('th', {}, 'tries'), el('th', {}, 'why'), el('th', {}, 'at'))),
          el('tbody', {}, body.deliveries.map((delivery) => deliveryRow(delivery, entry.id))),
        ),
    body.continuationToken === undefined ? null : el('p', { class: 'muted small' }, 'More deliveries than shown (first page only).'),
  );
}

/** The notifications being followed, newest first. */
export function notificationCards(entries, onForget) {
  return entries.map((entry) => notificationCard(entry, onForget));
}
