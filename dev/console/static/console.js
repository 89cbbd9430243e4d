/* global document, setInterval */
import { acceptedBanner } from './acceptedNotification.js';
import { callControl, callGateway, fetchSnapshot } from './consoleApi.js';
import { errorText, shortId, timeOf } from './displayText.js';
import { renderWhenChanged } from './elementBuilder.js';
import { FollowedNotifications } from './followedNotifications.js';
import { gatewayConversationRows } from './gatewayConversationTable.js';
import { renderMentionChoices, withChosenMention } from './mentionPicker.js';
import { notificationCards } from './notificationList.js';
import { sampleCard } from './sampleCard.js';
import { teamsChatMessages } from './teamsChatView.js';
import { conversationTitle, teamsConversationItems } from './teamsConversationList.js';

/** Deliveries settle within a second or two locally; polling at this pace shows each step. */
const pollIntervalInMs = 1500;
const faultKinds = ['429', '500', '502', '503', '504', '412', '401', 'slow', 'hung', 'reset'];

const byId = (id) => document.getElementById(id);
const followed = new FollowedNotifications();
const state = { selectedId: undefined, snapshot: undefined };

// ---- refreshing -------------------------------------------------------------------------------------------

let pending;
let again = false;

/** One snapshot at a time; a refresh asked for meanwhile runs right after, so an action's effect shows at once. */
function refreshNow() {
  if (pending !== undefined) {
    again = true;
    return pending;
  }
  pending = refresh().finally(() => {
    pending = undefined;
    if (again) {
      again = false;
      void refreshNow();
    }
  });
  return pending;
}

async function refresh() {
  const refreshState = byId('refresh-state');
  try {
    const snapshot = await fetchSnapshot({ conversationId: state.selectedId, notificationIds: followed.polled });
    state.snapshot = snapshot;
    render(snapshot);
    refreshState.textContent = `live · ${timeOf(snapshot.at)}`;
    refreshState.className = 'pill muted';
  } catch (error) {
    refreshState.textContent = `not refreshing: ${error instanceof Error ? error.message : String(error)}`;
    refreshState.className = 'pill bad';
  }
}

// ---- rendering --------------------------------------------------------------------------------------------

function render(snapshot) {
  const emulatorConversations = [...(snapshot.emulator?.conversations ?? [])].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  if (state.selectedId === undefined && emulatorConversations.length > 0) {
    // Nothing chosen yet: show the newest conversation, and fetch its messages right away.
    state.selectedId = emulatorConversations[0].conversationId;
    void refreshNow();
  }
  renderPills(snapshot);
  renderTeamsSide(snapshot, emulatorConversations);
  renderChat(snapshot, emulatorConversations);
  renderGatewayConversations(snapshot);
  renderNotifications(snapshot);
}

function renderPills(snapshot) {
  const health = snapshot.gateway.health;
  const healthPill = byId('gateway-health');
  const storage = health.body?.checks?.storage;
  healthPill.textContent =
    health.status === 200 ? `gateway ok · storage ${storage?.latencyInMs ?? '?'} ms` : `gateway ${health.body?.status ?? 'unreachable'}: ${errorText(health)}`;
  healthPill.className = `pill ${health.status === 200 ? 'good' : 'bad'}`;
  healthPill.dataset.status = String(health.status);

  const queue = snapshot.queue;
  byId('queue-counts').textContent =
    queue === undefined
      ? 'queue: Azure Service Bus'
      : `queue: ${queue.active} ready · ${queue.scheduled} scheduled · ${queue.inFlight} in flight · ${queue.deadLettered} dead-lettered`;
  byId('queue-counts').className = `pill ${queue !== undefined && queue.deadLettered > 0 ? 'warn' : ''}`;

  const emulator = snapshot.emulator;
  const stats = emulator?.stats;
  const faultCount = Object.values(stats?.faults ?? {}).reduce((sum, n) => sum + n, 0);
  byId('emulator-stats').textContent =
    emulator === undefined
      ? 'Teams: real (no emulator)'
      : emulator.error !== undefined
        ? `Teams emulator: ${errorText(emulator.error)}`
        : `Teams: ${stats?.duplicates ?? 0} duplicates · ${stats?.throttled ?? 0} throttled · ${faultCount} faults injected`;
  byId('emulator-stats').className = `pill ${emulator?.error !== undefined ? 'bad' : (stats?.duplicates ?? 0) > 0 ? 'warn' : ''}`;
}

function renderTeamsSide(snapshot, conversations) {
  renderWhenChanged(byId('teams-conversations'), { conversations, selectedId: state.selectedId }, (data) =>
    teamsConversationItems(data, { onSelect: select, onAction: (id, action) => guarded(async () => conversationAction(id, action))() }),
  );
  byId('teams-empty').hidden = conversations.length > 0 || snapshot.emulator === undefined;
  const rates = Object.entries(snapshot.emulator?.faults?.rates ?? {}).filter(([, rate]) => rate > 0);
  byId('faults-current').textContent =
    snapshot.emulator === undefined ? '' : rates.length === 0 ? 'No faults injected.' : `Injecting: ${rates.map(([kind, rate]) => `${kind} ${Math.round(rate * 100)}%`).join(', ')} (seed ${snapshot.emulator.faults.seed})`;
  for (const control of document.querySelectorAll('#install-form button, #faults-form button, #reset-button')) control.disabled = snapshot.emulator === undefined;
}

function renderChat(snapshot, emulatorConversations) {
  const selected = emulatorConversations.find((c) => c.conversationId === state.selectedId);
  const known = snapshot.gateway.conversations.find((c) => c.conversationId === state.selectedId);
  const chat = byId('teams-chat');
  chat.dataset.conversationId = state.selectedId ?? '';
  byId('chat-title').textContent = selected === undefined ? (known === undefined ? 'Conversation' : `${known.scope} conversation`) : conversationTitle(selected);
  byId('chat-subtitle').textContent =
    state.selectedId === undefined
      ? 'Select a conversation to see what Teams shows in it.'
      : `${selected === undefined ? 'not in the emulator' : `${selected.type} · ${selected.status} in Teams`}${known === undefined ? ' · unknown to the gateway' : ` · ${known.status} in the gateway`}`;
  byId('chat-id').textContent = state.selectedId ?? '';

  const answer = snapshot.emulator?.activities;
  const shown = answer !== undefined && answer.conversationId === state.selectedId && answer.status === 200 ? answer.body : {};
  const messages = { activities: shown.activities ?? [], userMessages: shown.userMessages ?? [] };
  renderWhenChanged(chat, { id: state.selectedId, messages, missing: selected === undefined }, (data) =>
    data.id === undefined ? [] : data.missing ? [] : teamsChatMessages(data.messages, (text) => showStatus('info', text)),
  );

  const canMessage = selected?.status === 'active';
  byId('user-message-text').disabled = !canMessage;
  document.querySelector('[data-testid="user-message-send"]').disabled = !canMessage;
  byId('notify-button').disabled = state.selectedId === undefined;
  renderMentionChoices(byId('notify-mention'), selected?.members ?? []);
  byId('notify-target').textContent = state.selectedId === undefined ? 'select a conversation first' : `to ${shortId(state.selectedId)}`;
}

function renderGatewayConversations(snapshot) {
  const gateway = snapshot.gateway;
  renderWhenChanged(byId('gateway-conversations'), { conversations: gateway.conversations, selectedId: state.selectedId }, (data) => gatewayConversationRows(data, select));
  const active = gateway.conversations.filter((c) => c.status === 'active').length;
  byId('gateway-conversation-count').textContent = `${gateway.conversations.length}${gateway.conversationsTruncated ? '+' : ''} known · ${active} active`;
  const error = byId('gateway-conversations-error');
  error.hidden = gateway.conversationsError === undefined;
  error.textContent = gateway.conversationsError === undefined ? '' : `Could not list conversations: ${errorText(gateway.conversationsError)}`;
}

function renderNotifications(snapshot) {
  const byNotification = new Map(snapshot.notifications.map((entry) => [entry.id, entry]));
  for (const entry of snapshot.notifications) if (entry.status === 404) followed.markUnknown(entry.id);
  const entries = followed.ids
    .map((id) => (followed.isUnknown(id) ? { id, status: 404 } : byNotification.get(id)))
    .filter((entry) => entry !== undefined);
  renderWhenChanged(byId('notifications'), entries, (data) => notificationCards(data, forget));
  byId('notifications-empty').hidden = entries.length > 0;
}

// ---- actions ----------------------------------------------------------------------------------------------

function showStatus(kind, text) {
  const line = byId('action-status');
  line.hidden = false;
  line.dataset.kind = kind;
  line.className = `action-status ${kind}`;
  line.textContent = `${timeOf(new Date().toISOString())}  ${text}`;
}

function select(conversationId) {
  state.selectedId = conversationId;
  if (state.snapshot !== undefined) render(state.snapshot);
  void refreshNow();
}

function forget(notificationId) {
  followed.forget(notificationId);
  if (state.snapshot !== undefined) renderNotifications(state.snapshot);
}

/** What the gateway answered to the activities an install or uninstall delivered (200 = stored). */
function gatewayAnswers(body) {
  const results = body?.gateway ?? [];
  const statuses = results.map((result) => (result.status === 0 ? 'unreachable' : String(result.status)));
  return { text: statuses.length === 0 ? '' : ` · gateway answered ${statuses.join(', ')}`, ok: results.every((result) => result.status >= 200 && result.status < 300) };
}

async function conversationAction(conversationId, action) {
  const answer = action === 'delete' ? await callControl('DELETE', `conversations/${encodeURIComponent(conversationId)}`) : await callControl('POST', `conversations/${encodeURIComponent(conversationId)}/${action}`);
  if (!answer.ok) {
    showStatus('error', `${action} failed: ${errorText(answer)}`);
  } else {
    const gateway = gatewayAnswers(answer.body);
    const told = action === 'block' || action === 'unblock' || action === 'delete' ? ' · Teams tells the bot nothing; the next send finds out' : gateway.text;
    showStatus(gateway.ok ? 'ok' : 'error', `${action}: ${shortId(conversationId)} is now ${answer.body?.status ?? '?'}${told}`);
  }
  await refreshNow();
}

async function install(event) {
  event.preventDefault();
  const type = byId('install-type').value;
  const name = byId('install-user').value.trim();
  const tenantId = byId('install-tenant').value.trim();
  const answer = await callControl('POST', 'conversations', { type, ...(name === '' ? {} : { user: { name } }), ...(tenantId === '' ? {} : { tenantId }) });
  if (!answer.ok) {
    showStatus('error', `Install failed: ${errorText(answer)}`);
    return;
  }
  state.selectedId = answer.body.conversationId;
  const gateway = gatewayAnswers(answer.body);
  showStatus(gateway.ok ? 'ok' : 'error', `Installed in a ${answer.body.type} conversation ${shortId(answer.body.conversationId)}${gateway.text}`);
  await refreshNow();
}

async function sendUserMessage(event) {
  event.preventDefault();
  const input = byId('user-message-text');
  const text = input.value.trim();
  if (text === '' || state.selectedId === undefined) return;
  const answer = await callControl('POST', `conversations/${encodeURIComponent(state.selectedId)}/messages`, { text });
  if (answer.ok) {
    input.value = '';
    showStatus(gatewayAnswers(answer.body).ok ? 'ok' : 'error', `User message sent${gatewayAnswers(answer.body).text}`);
  } else {
    showStatus('error', `User message failed: ${errorText(answer)}`);
  }
  await refreshNow();
}

async function notify(event) {
  event.preventDefault();
  if (state.selectedId === undefined) return;
  const kind = document.querySelector('input[name="notify-kind"]:checked')?.value ?? 'text';
  const text = byId('notify-text').value.trim();
  if (text === '') {
    showStatus('error', 'Nothing sent: write the text of the notification first.');
    byId('notify-text').focus();
    return;
  }
  const { text: shown, mentions } = withChosenMention(byId('notify-mention'), text);
  const message = { ...(kind === 'card' ? { card: sampleCard(shown), summary: text } : { text: shown }), ...(mentions === undefined ? {} : { mentions }) };
  const answer = await callGateway('POST', 'notifications', { targets: [{ conversationId: state.selectedId }], message });
  if (!answer.ok) {
    const details = (answer.body?.error?.details ?? []).map((d) => `${d.path}: ${d.message}`).join('; ');
    showStatus('error', `The gateway refused the notification: ${errorText(answer)}${details === '' ? '' : ` (${details})`}`);
    return;
  }
  const accepted = answer.body;
  followed.follow(accepted.id);
  const banner = acceptedBanner(accepted);
  showStatus(banner.kind, banner.text);
  byId('notify-button').dataset.lastNotificationId = accepted.id;
  await refreshNow();
}

async function lookUp(event) {
  event.preventDefault();
  const input = byId('lookup-id');
  const id = input.value.trim();
  if (id === '') return;
  followed.follow(id);
  input.value = '';
  await refreshNow();
}

async function applyFaults(event) {
  event.preventDefault();
  const rates = {};
  for (const kind of faultKinds) {
    const value = Number(byId(`fault-${kind}`).value);
    if (value > 0) rates[kind] = value;
  }
  const seed = Number.parseInt(byId('fault-seed').value, 10);
  const answer = await callControl('PUT', 'faults', { rates, ...(Number.isFinite(seed) ? { seed } : {}) });
  showStatus(answer.ok ? 'ok' : 'error', answer.ok ? 'Faults applied' : `Faults refused: ${errorText(answer)}`);
  await refreshNow();
}

async function clearFaults() {
  for (const kind of faultKinds) byId(`fault-${kind}`).value = '0';
  const answer = await callControl('PUT', 'faults', { rates: {} });
  showStatus(answer.ok ? 'ok' : 'error', answer.ok ? 'Faults cleared' : `Clearing faults failed: ${errorText(answer)}`);
  await refreshNow();
}

async function resetEmulator() {
  const answer = await callControl('POST', 'reset');
  state.selectedId = undefined;
  showStatus(answer.ok ? 'ok' : 'error', answer.ok ? 'The emulator forgot every conversation, fault and counter' : `Reset failed: ${errorText(answer)}`);
  await refreshNow();
}

/** Runs an action; a failure of the console's own server (not an HTTP error, which actions report) is shown too. */
function guarded(action) {
  return (event) => {
    action(event).catch((error) => showStatus('error', error instanceof Error ? error.message : String(error)));
  };
}

function buildFaultInputs() {
  const grid = byId('fault-rates');
  for (const kind of faultKinds) {
    const label = document.createElement('label');
    label.className = 'small';
    label.textContent = kind;
    const input = document.createElement('input');
    Object.assign(input, { id: `fault-${kind}`, type: 'number', min: '0', max: '1', step: '0.05', value: '0' });
    input.dataset.testid = `fault-${kind}`;
    label.append(input);
    grid.append(label);
  }
}

buildFaultInputs();
byId('install-form').addEventListener('submit', guarded(install));
byId('user-message-form').addEventListener('submit', guarded(sendUserMessage));
byId('notify-form').addEventListener('submit', guarded(notify));
byId('lookup-form').addEventListener('submit', guarded(lookUp));
byId('faults-form').addEventListener('submit', guarded(applyFaults));
byId('faults-clear').addEventListener('click', guarded(clearFaults));
byId('reset-button').addEventListener('click', guarded(resetEmulator));
void refreshNow();
setInterval(() => void refreshNow(), pollIntervalInMs);
