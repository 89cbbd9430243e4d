/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of the API and the emulator, read field by field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { json, localHostApi } from './support/localHostApi';

/**
 * Microsoft's documented Teams payloads (test/fixtures/teams) replayed through the emulator's
 * `POST /_control/activities` into `npm start`, then what the gateway stored and what notifications to those
 * teams, channels and users did on the Teams side.
 */
let host: ConsoleLocalHost;
const { control, polled, settled } = localHostApi(() => host);

const installTeam = '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2';
const installTenant = 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f';
const selectedChannel = '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2';
const installer = 'eddfa9d4-346e-4cce-a18f-fa6261ad776b';
const eventTeam = '19:efa9296d959346209fea44151c742e73@thread.skype';
const eventChannel = '19:6d97d816470f481dbcda38244b98689a@thread.skype';

beforeAll(async () => {
  host = await startConsoleLocalHost();
}, 120_000);
afterAll(async () => host?.stop());

/** Replays one corpus file; answers what the gateway said. */
async function replay(name: string, options: Record<string, unknown> = {}): Promise<number> {
  const { activity } = JSON.parse(readFileSync(join(__dirname, '../fixtures/teams', name), 'utf8')) as { activity: unknown };
  const replayed = await control('POST', '/activities', { activity, ...options });
  return replayed.gateway[0].status as number;
}

async function notify(targets: unknown[], text: string): Promise<any> {
  const accepted = await json(`${host.url}/api/notifications`, 'POST', { targets, message: { text } });
  expect(accepted.status).toBe(202);
  return accepted.body;
}

async function texts(conversationId: string): Promise<string[]> {
  const { activities } = await control('GET', `/conversations/${encodeURIComponent(conversationId)}/activities`);
  return (activities as any[]).filter((a) => a.deleted === false).map((a) => a.activity.text as string);
}

async function sendAndSettle(targets: unknown[], text: string): Promise<any> {
  const accepted = await notify(targets, text);
  return settled(accepted.id as string);
}

describe('a team installed from a channel other than General (the documented install event)', () => {
  it('stores the selected channel under its team, and a teamId target reaches General by the team id', async () => {
    expect(await replay('installationUpdate-team-add.json')).toBe(200);
    expect(await replay('conversationUpdate-bot-added-to-team.json')).toBe(200);
    const stored = await json(`${host.url}/api/conversations?teamId=${encodeURIComponent(installTeam)}`);
    expect(stored.body.items).toHaveLength(1);
    expect(stored.body.items[0]).toMatchObject({ conversationId: selectedChannel, status: 'active', teamId: installTeam });

    const status = await sendAndSettle([{ teamId: installTeam }], 'to General');
    expect(status.counts).toMatchObject({ sent: 1, failed: 0, skipped: 0 });
    expect(status.deliveries[0]).toMatchObject({ conversationId: installTeam, status: 'sent' });
    expect(await texts(installTeam)).toEqual(['to General']);

    // An edit reaches the same post in General, through the same stored reference.
    const patched = await json(`${host.url}/api/notifications/${status.id}`, 'PATCH', { message: { text: 'to General, edited' } });
    expect(patched.status).toBe(202);
    await settled(status.id as string, (s) => s.deliveries[0]?.lastOperation?.status === 'sent');
    expect(await texts(installTeam)).toEqual(['to General, edited']);
  });

  it('reaches the selected channel as stored, and a channel created later by its id', async () => {
    await control('POST', `/teams/${encodeURIComponent(installTeam)}/channels`, { channelId: '19:incidents@thread.tacv2', name: 'Incidents' });
    const status = await sendAndSettle(
      [
        { teamId: installTeam, channelId: selectedChannel },
        { teamId: installTeam, channelId: '19:incidents@thread.tacv2' },
      ],
      'to channels',
    );
    expect(status.counts).toMatchObject({ sent: 2, failed: 0 });
    expect(await texts(selectedChannel)).toEqual(['to channels']);
    expect(await texts('19:incidents@thread.tacv2')).toEqual(['to channels']);
  });

  it('opens a 1:1 chat with a member of the team, who never installed the app personally', async () => {
    const status = await sendAndSettle([{ userId: installer, tenantId: installTenant }], 'hello member');
    expect(status.counts).toMatchObject({ sent: 1, failed: 0 });
    const chatId = status.deliveries[0].conversationId as string;
    expect(chatId).toMatch(/^a:1/);
    expect(await texts(chatId)).toEqual(['hello member']);
  });

  it('an uninstall during an upgrade (remove-upgrade) removes every stored channel of the team', async () => {
    expect(await replay('installationUpdate-team-remove-upgrade.json')).toBe(200);
    const accepted = await notify([{ teamId: installTeam }, { teamId: installTeam, channelId: selectedChannel }], 'after uninstall');
    expect(accepted.unresolved).toHaveLength(2);
    for (const unresolved of accepted.unresolved) expect(unresolved).toMatchObject({ reason: 'ConversationRemoved', removalReason: 'installationRemoved' });
  });
});

describe("a team's documented events, as they arrive in its General channel", () => {
  it('stores General from the first event and follows archive, delete and restore (spelled teamrestored)', async () => {
    expect(await replay('conversationUpdate-channelCreated.json')).toBe(200);
    expect((await sendAndSettle([{ teamId: eventTeam }], 'first')).counts.sent).toBe(1);

    expect(await replay('conversationUpdate-teamArchived.json')).toBe(200);
    expect((await notify([{ teamId: eventTeam }], 'archived')).unresolved[0]).toMatchObject({ reason: 'ConversationRemoved', removalReason: 'teamArchived' });
    expect(await replay('conversationUpdate-teamUnarchived.json')).toBe(200);
    expect((await sendAndSettle([{ teamId: eventTeam }], 'unarchived')).counts.sent).toBe(1);

    expect(await replay('conversationUpdate-teamDeleted.json')).toBe(200);
    expect((await notify([{ teamId: eventTeam }], 'deleted')).unresolved[0]).toMatchObject({ removalReason: 'teamDeleted' });
    expect(await replay('conversationUpdate-teamRestored.json')).toBe(200);
    expect((await sendAndSettle([{ teamId: eventTeam }], 'restored')).counts.sent).toBe(1);

    expect(await replay('conversationUpdate-teamRenamed.json')).toBe(200);
    expect(await replay('conversationUpdate-teamMemberRemoved.json')).toBe(200);
    expect((await json(`${host.url}/api/conversations/${encodeURIComponent(eventTeam)}`)).body.status).toBe('active');
    expect(await texts(eventTeam)).toEqual(['first', 'unarchived', 'restored']);
  });

  it('a deleted channel answers ConversationNotFound until it is restored', async () => {
    expect(await replay('conversationUpdate-channelDeleted.json')).toBe(200);
    const failed = await sendAndSettle([{ teamId: eventTeam, channelId: eventChannel }], 'to a deleted channel');
    expect(failed.deliveries[0]).toMatchObject({ status: 'failed', lastError: { code: 'ConversationNotFound' } });
    expect((await json(`${host.url}/api/conversations/${encodeURIComponent(eventTeam)}`)).body.status).toBe('active');

    expect(await replay('conversationUpdate-channelRestored.json')).toBe(200);
    expect((await sendAndSettle([{ teamId: eventTeam, channelId: eventChannel }], 'restored channel')).counts.sent).toBe(1);
    expect(await texts(eventChannel)).toEqual(['restored channel']);
  });
});

describe('personal chats as documented', () => {
  it('stores a serviceUrl with a tenant path as received and sends through it', async () => {
    expect(await replay('message-personal-tenant-serviceurl.json')).toBe(200);
    const conversationId =
      'a:1xlimp68NSUxEqK0ap2rXuwC9ITauHgV2M4RaDPkeRhV8qMaFn-RyilMZ62YiVdqs8pp43yQaRKvv_U2S2gOS5nM-y_pOxVe4BW1qMGPtqD0Bv3pw-nJXF0zhDlZHMZ1Z';
    const stored = await json(`${host.url}/api/conversations/${encodeURIComponent(conversationId)}`);
    expect(stored.body.reference.serviceUrl).toBe(`${host.emulatorUrl}/amer/6babcaad-604b-40ac-a9d7-9fd97c0b779f/`);
    const status = await sendAndSettle([{ userId: '5b649834-7412-4cce-9e69-176e95a394f5', tenantId: '6babcaad-604b-40ac-a9d7-9fd97c0b779f' }], 'via the tenant path');
    expect(status.counts.sent).toBe(1);
    expect(await texts(conversationId)).toEqual(['via the tenant path']);
  });

  it('re-routes a tenant-path serviceUrl to the GCC host after 403 InvalidBotApiHost', async () => {
    const tenantId = 'c0ffee00-0000-4000-8000-00000000a11c';
    await control('PUT', `/tenants/${tenantId}`, { serviceUrlWithTenant: true });
    const chat = await control('POST', '/conversations', { type: 'personal', tenantId });
    expect(chat.serviceUrl).toBe(`${host.emulatorUrl}/amer/${tenantId}/`);
    await control('PUT', `/tenants/${tenantId}`, { cloud: 'gcc' });
    const status = await sendAndSettle([{ conversationId: chat.conversationId }], 'to a GCC tenant');
    expect(status.deliveries[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await texts(chat.conversationId as string)).toEqual(['to a GCC tenant']);
  });

  it('takes the tenant from channelData when conversation.tenantId is absent (the 1:1 install sample)', async () => {
    expect(await replay('conversationUpdate-bot-added-personal.json')).toBe(200);
    const status = await sendAndSettle([{ userId: '3e3f1d58-2c0a-4b39-9b5e-6a4ac3c1a9f0', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' }], 'personal');
    expect(status.deliveries[0]).toMatchObject({ conversationId: 'a:1personal-chat-from-the-1to1-sample', status: 'sent' });
  });

  it('refuses a replay signed with an expired token (401)', async () => {
    expect(await replay('conversationUpdate-bot-added-personal.json', { forge: { expired: true } })).toBe(401);
  });
});

describe('untidy failures from Teams', () => {
  const chat = 'a:1personal-chat-from-the-1to1-sample';

  it.each(['429NoRetryAfter', '429HttpDate', '502Html', '503Empty'])('%s: retried, then delivered once', async (fault) => {
    expect(await replay('conversationUpdate-bot-added-personal.json')).toBe(200);
    await control('PUT', '/faults', { rates: { [fault]: 1 } });
    let id: string;
    try {
      id = (await notify([{ conversationId: chat }], `through ${fault}`)).id as string;
      await polled(id, (s) => s.deliveries[0]?.lastError !== undefined);
    } finally {
      await control('PUT', '/faults', {});
    }
    const status = await settled(id, (s) => s.counts.sent === 1);
    expect(status.deliveries[0].attempts).toBeGreaterThanOrEqual(2);
    expect((await texts(chat)).filter((text) => text === `through ${fault}`)).toHaveLength(1);
  });
});
