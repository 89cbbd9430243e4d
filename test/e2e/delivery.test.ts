/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of the API and the emulator, read field by field. */
import { randomUUID } from 'node:crypto';

import { devBot } from '../../dev/devIdentity';
import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { json, localHostApi } from './support/localHostApi';

/**
 * The delivery path through `npm start` as a child process: the real notifications, send and deadLetter
 * handlers served by the local host over its in-process queue, Azurite and the Teams emulator, driven only
 * through the public API and the emulator's control API.
 */
let host: ConsoleLocalHost;
const { control, settled } = localHostApi(() => host);

beforeAll(async () => {
  host = await startConsoleLocalHost();
}, 120_000);
afterAll(async () => host?.stop());

async function install(tenantId: string): Promise<{ conversationId: string }> {
  const installed = await control('POST', '/conversations', { type: 'personal', tenantId });
  expect((installed.gateway as { status: number }[]).map((g) => g.status)).toEqual([200, 200]);
  return installed;
}

async function notify(conversationId: string, text: string): Promise<string> {
  const accepted = await json(`${host.url}/api/notifications`, 'POST', { targets: [{ conversationId }], message: { text } });
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

async function copies(conversationId: string): Promise<any[]> {
  return (await control('GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).activities as any[];
}

async function conversationStatus(conversationId: string): Promise<string> {
  return (await json(`${host.url}/api/conversations/${encodeURIComponent(conversationId)}`)).body.status as string;
}

it('delivers as the bot (from.id 28:<appId>) and records the activity id Teams gave', async () => {
  const chat = await install(randomUUID());
  const id = await notify(chat.conversationId, 'Deploy finished');
  const status = await settled(id);

  const [copy, ...more] = await copies(chat.conversationId);
  expect(more).toEqual([]);
  expect(copy.activity.from.id).toBe(`28:${devBot.appId}`);
  expect(copy.receivedCount).toBe(1);
  expect(status.counts).toMatchObject({ sent: 1, failed: 0 });
  expect(status.deliveries[0]).toMatchObject({ conversationId: chat.conversationId, status: 'sent', activityId: copy.id });
});

it('a block fails the delivery as gone and prunes the chat; a user message restores it', async () => {
  const chat = await install(randomUUID());
  await control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/block`);
  const failed = await settled(await notify(chat.conversationId, 'Incident opened'), (s) => s.counts.failed === 1);
  expect(failed.deliveries[0]).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'ConversationBlockedByUser' } });
  expect(await conversationStatus(chat.conversationId)).toBe('removed');

  await control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/unblock`);
  await control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/messages`, { text: 'back again' });
  expect(await conversationStatus(chat.conversationId)).toBe('active');
  const sent = await settled(await notify(chat.conversationId, 'Incident resolved'), (s) => s.counts.sent === 1);
  expect(sent.deliveries[0].status).toBe('sent');
});

it('an uninstall prunes the chat, a re-install brings it back', async () => {
  const tenantId = randomUUID();
  const chat = await install(tenantId);
  await control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/uninstall`);
  expect(await conversationStatus(chat.conversationId)).toBe('removed');

  await control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/install`);
  expect(await conversationStatus(chat.conversationId)).toBe('active');
  await settled(await notify(chat.conversationId, 'Welcome back'), (s) => s.counts.sent === 1);
  expect((await copies(chat.conversationId)).map((c) => c.text)).toEqual(['Welcome back']);
});

it('a Teams 500 ends failed as teamsFault; 503s are retried until sent', async () => {
  const chat = await install(randomUUID());
  await control('PUT', '/faults', { rates: { '500': 1 } });
  try {
    const failed = await settled(await notify(chat.conversationId, 'will fail'), (s) => s.counts.failed === 1);
    expect(failed.deliveries[0]).toMatchObject({ failureClass: 'teamsFault', lastError: { status: 500 } });
    await control('PUT', '/faults', { rates: { '503': 0.6 }, seed: 7 });
    const before = ((await control('GET', '/stats')).faults['503'] as number | undefined) ?? 0;
    const sent = await settled(await notify(chat.conversationId, 'will arrive'), (s) => s.counts.sent === 1);
    const unavailable = ((await control('GET', '/stats')).faults['503'] as number) - before;
    // Every 503 cost one attempt, and the one after the last of them arrived.
    expect(unavailable).toBeGreaterThan(0);
    expect(sent.deliveries[0].attempts).toBe(unavailable + 1);
  } finally {
    await control('PUT', '/faults', {});
  }
  expect((await copies(chat.conversationId)).map((c) => c.text)).toEqual(['will arrive']);
});

it('PATCH and DELETE reach the sent copy', async () => {
  const chat = await install(randomUUID());
  const id = await notify(chat.conversationId, 'Deploy started');
  await settled(id, (s) => s.counts.sent === 1);

  expect((await json(`${host.url}/api/notifications/${id}`, 'PATCH', { message: { text: 'Deploy finished' } })).status).toBe(202);
  await settled(id, (s) => s.deliveries[0]?.lastOperation?.status === 'sent');
  expect(await copies(chat.conversationId)).toEqual([expect.objectContaining({ text: 'Deploy finished', updateCount: 1, deleted: false })]);

  expect((await json(`${host.url}/api/notifications/${id}`, 'DELETE')).status).toBe(202);
  await settled(id, (s) => s.deliveries[0]?.lastOperation?.operation === 'delete' && s.deliveries[0]?.lastOperation?.status === 'sent');
  expect(await copies(chat.conversationId)).toEqual([expect.objectContaining({ deleted: true })]);
});
