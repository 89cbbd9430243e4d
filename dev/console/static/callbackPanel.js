/* global document, setInterval */
import { callControl } from './consoleApi.js';
import { shortId, timeOf } from './displayText.js';
import { el, renderWhenChanged } from './elementBuilder.js';

/**
 * "Status callbacks received": what reached the Teams emulator's receiver (`/callbacks/{name}`, listed by
 * `GET /_control/callbacks`), newest first, with the signature check and the answer it got. Its own module
 * and poll, so the console's main refresh stays as it is.
 */
const pollIntervalInMs = 2_000;
const shown = 20;

async function refreshCallbacks() {
  const list = document.getElementById('callbacks-received');
  const empty = document.getElementById('callbacks-empty');
  if (list === null || empty === null) return;
  const answer = await callControl('GET', 'callbacks').catch(() => undefined);
  const callbacks = answer?.ok === true && Array.isArray(answer.body?.callbacks) ? answer.body.callbacks.slice(-shown).reverse() : [];
  empty.hidden = callbacks.length > 0;
  renderWhenChanged(list, callbacks, (items) => items.map(callbackItem));
}

function callbackItem(callback) {
  const body = typeof callback.body === 'object' && callback.body !== null ? callback.body : {};
  const signature = callback.signatureValid ? el('span', { class: 'badge' }, 'signed ✓') : el('span', { class: 'badge deleted', title: callback.signatureProblem ?? '' }, 'bad signature');
  return el(
    'li',
    {
      class: 'callback',
      'data-testid': 'callback-received',
      'data-notification-id': body.notificationId,
      'data-type': body.type,
      'data-signature-valid': String(callback.signatureValid === true),
    },
    el('span', { class: 'mono small' }, timeOf(callback.receivedAt)),
    ' ',
    el('strong', {}, body.type ?? 'not JSON'),
    ' ',
    el('span', { class: 'mono' }, shortId(body.notificationId ?? '', 12)),
    ' ',
    el('span', {}, body.status ?? ''),
    ' ',
    signature,
    ' ',
    el('span', { class: 'muted small' }, `/callbacks/${callback.name} answered ${callback.answeredWith}`),
  );
}

void refreshCallbacks();
setInterval(() => void refreshCallbacks(), pollIntervalInMs);
