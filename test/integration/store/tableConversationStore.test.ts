import { randomBytes } from 'node:crypto';

import { odata, TableClient } from '@azure/data-tables';

import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { conversationReferenceOf } from '../../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import { errorCodes, GatewayError } from '../../../shared/errors';
import { tenantPartition } from '../../../shared/store/conversationIndexRows';
import { type ActivityInput, type ConversationStore, type ConversationSummary, type StatusChange } from '../../../shared/store/conversationStore';
import { createTableConversationStore } from '../../../shared/store/tableConversationStore';
import { encodeKeyPart } from '../../../shared/store/tableKeyEncoding';
import { activityIn, events, groupChat, ids, personalChat, type Place, teamChannel } from '../../unit/activity/teamsActivityFixtures';

const connection = process.env.TEST_TABLES_CONNECTION!;
const suffix = randomBytes(4).toString('hex');
// Tables of its own, so listings here never meet rows written by other test files.
const conversations = TableClient.fromConnectionString(connection, `storeConv${suffix}`, { allowInsecureConnection: true });
const index = TableClient.fromConnectionString(connection, `storeIndex${suffix}`, { allowInsecureConnection: true });
const store: ConversationStore = createTableConversationStore({ conversations, index, now: () => new Date() });

const t = (second: number): Date => new Date(Date.UTC(2026, 0, 1, 12, 0, second));

function inputOf(json: Record<string, unknown>, eventAt: Date, change?: Omit<StatusChange, 'at'>): ActivityInput {
  const activity = parseInboundActivity(JSON.stringify(json));
  const input: ActivityInput = { reference: conversationReferenceOf(activity), facts: conversationFactsOf(activity), eventAt };
  if (change !== undefined) input.change = { ...change, at: eventAt };
  return input;
}

const install = async (place: Place, at = t(0)): Promise<void> => {
  await store.upsertFromActivity(inputOf(events.install(place), at, { status: 'active', reason: 'installationAdded' }));
};

async function collect(pages: AsyncIterable<ConversationSummary[]>): Promise<ConversationSummary[][]> {
  const all: ConversationSummary[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

afterAll(async () => {
  await Promise.all([conversations.deleteTable(), index.deleteTable()]);
});

describe('conversation ids round-trip through Table keys', () => {
  it.each([
    ['a personal chat', `a:1${randomBytes(84).toString('base64url')}`],
    ['a channel', `19:${randomBytes(16).toString('hex')}@thread.tacv2`],
    ['a channel thread', `19:${randomBytes(16).toString('hex')}@thread.tacv2;messageid=1699999999999`],
    ['a group chat', `19:${randomBytes(16).toString('hex')}@thread.v2`],
    ['a user-style id', `29:1${randomBytes(40).toString('base64url')}`],
    ['slash, backslash, hash, question mark, percent', `x/${suffix}\\y#z?w%2F`],
    // Control characters never get this far: ids storage cannot carry are refused at the edge (tableStorageLimits.ts).
    ['quotes, equals, semicolon', `it's "${suffix}";a=b`],
    ['unicode', `ünïcödé-${suffix}-🚀`],
  ])('%s', async (_case, conversationId) => {
    const place = personalChat({ conversationId });
    await install(place);
    const stored = await store.get(conversationId);
    expect(stored?.conversationId).toBe(conversationId);
    expect(stored?.reference.conversation.id).toBe(conversationId);
    const listed = await store.list({ tenantId: place.tenantId });
    expect(listed.items.map((c) => c.conversationId)).toEqual([conversationId]);
  });

  it('an unknown id is undefined, not an error', async () => {
    await expect(store.get(`a:unknown/${suffix}#?`)).resolves.toBeUndefined();
  });
});

describe('lifecycle writes', () => {
  it('stores the reference exactly as received', async () => {
    const place = teamChannel();
    const json = events.install(place);
    await store.upsertFromActivity(inputOf(json, t(0)));
    const stored = await store.get(place.conversationId);
    expect(stored?.reference).toEqual({
      activityId: json.id,
      bot: json.recipient,
      user: json.from,
      conversation: json.conversation,
      channelId: 'msteams',
      serviceUrl: json.serviceUrl,
      locale: 'en-US',
    });
    expect(stored).toMatchObject({ tenantId: place.tenantId, scope: 'channel', teamId: place.teamId, teamsChannelId: place.teamId, status: 'active' });
  });

  it('concurrent upserts of one conversation all land, and the newest reference wins', async () => {
    const place = personalChat();
    const writers = Array.from({ length: 12 }, (_, i) => inputOf(events.message(place, `m${i}`), t(i)));
    const results = await Promise.all(writers.map(async (input) => store.upsertFromActivity(input)));
    expect(results).toHaveLength(12);
    const stored = await store.get(place.conversationId);
    expect(stored?.revision).toBe(12);
    expect(stored?.reference.activityId).toBe(writers[11]!.reference.activityId);
  });

  it('an uninstall racing a prune and a later re-install ends active, whatever the arrival order', async () => {
    for (let round = 0; round < 3; round++) {
      const place = personalChat();
      await install(place, t(0));
      await Promise.all([
        store.markRemoved(place.conversationId, 'BotNotInConversationRoster', t(10)),
        store.upsertFromActivity(inputOf(events.install(place), t(20), { status: 'active', reason: 'installationAdded' })),
        store.upsertFromActivity(inputOf(events.uninstall(place), t(5), { status: 'removed', reason: 'installationRemoved' })),
      ]);
      const stored = await store.get(place.conversationId);
      expect(stored).toMatchObject({ status: 'active', statusReason: 'installationAdded', statusChangedAt: t(20).toISOString() });
      const active = await collect(store.listByTenant(place.tenantId, { status: 'active' }));
      expect(active.flat().map((c) => c.conversationId)).toEqual([place.conversationId]);
    }
  });

  it('a message that changes nothing a listing holds writes the record only; an uninstall rewrites the rows', async () => {
    const place = personalChat();
    await install(place);
    const rowRevisions = async (): Promise<number[]> => {
      const rows = index.listEntities<{ revision: number; rowKey: string }>({ queryOptions: { filter: odata`PartitionKey eq ${tenantPartition(place.tenantId)}` } });
      const revisions: number[] = [];
      for await (const row of rows) if (row.rowKey.endsWith(`.${encodeKeyPart(place.conversationId)}`)) revisions.push(row.revision);
      return revisions;
    };
    const message = async (second: number): Promise<void> => {
      await store.upsertFromActivity(inputOf(events.message(place, `m${second}`), t(second), { status: 'active', reason: 'userActivity' }));
    };
    await message(1); // installationAdded -> userActivity: rows rewritten
    expect(await rowRevisions()).toEqual([2, 2]);
    await message(2);
    await message(3);
    const stored = await store.get(place.conversationId);
    expect(stored).toMatchObject({ revision: 4, statusChangedAt: t(3).toISOString() });
    expect(stored?.reference.activityId).toBeDefined();
    expect(await rowRevisions()).toEqual([2, 2]);
    await store.upsertFromActivity(inputOf(events.uninstall(place), t(4), { status: 'removed', reason: 'installationRemoved' }));
    expect(await rowRevisions()).toEqual([5, 5]);
    expect((await collect(store.listByTenant(place.tenantId, { status: 'removed' }))).flat().map((c) => c.conversationId)).toContain(place.conversationId);
  });

  it('markRemoved keeps the record with reason and time, and the index follows', async () => {
    const place = groupChat();
    await install(place);
    const result = await store.markRemoved(place.conversationId, 'ConversationBlockedByUser', t(30));
    expect(result.outcome).toBe('applied');
    const stored = await store.get(place.conversationId);
    expect(stored).toMatchObject({ status: 'removed', removedReason: 'ConversationBlockedByUser', removedAt: t(30).toISOString() });
    expect((await collect(store.listByTenant(place.tenantId, { status: 'active' }))).flat()).toEqual([]);
    expect((await collect(store.listByTenant(place.tenantId, { status: 'removed' }))).flat()).toMatchObject([{ conversationId: place.conversationId, statusReason: 'ConversationBlockedByUser' }]);
  });

  it('markRemoved with a stale ifMatch does not overwrite what happened since', async () => {
    const place = personalChat();
    await install(place);
    const read = await store.get(place.conversationId);
    await store.upsertFromActivity(inputOf(events.message(place), t(40), { status: 'active', reason: 'userActivity' }));
    const result = await store.markRemoved(place.conversationId, 'ConversationBlockedByUser', t(50), { ifMatch: read!.etag });
    expect(result.outcome).toBe('superseded');
    expect((await store.get(place.conversationId))?.status).toBe('active');
    const fresh = await store.get(place.conversationId);
    expect((await store.markRemoved(place.conversationId, 'ConversationBlockedByUser', t(50), { ifMatch: fresh!.etag })).outcome).toBe('applied');
  });

  it('markRemoved of an unknown conversation is notFound', async () => {
    await expect(store.markRemoved(`a:missing-${suffix}`, 'ConversationNotFound', t(1))).resolves.toEqual({ outcome: 'notFound' });
  });

  it('remembers and forgets a serviceUrl override', async () => {
    const place = personalChat();
    await install(place);
    const gcc = await store.setServiceUrlOverride(place.conversationId, 'https://smba.infra.gcc.teams.microsoft.com/');
    expect(gcc?.serviceUrlOverride).toBe('https://smba.infra.gcc.teams.microsoft.com/');
    expect((await store.get(place.conversationId))?.serviceUrlOverride).toBe('https://smba.infra.gcc.teams.microsoft.com/');
    expect((await store.setServiceUrlOverride(place.conversationId, undefined))?.serviceUrlOverride).toBeUndefined();
    await expect(store.setServiceUrlOverride(`a:missing-${suffix}`, 'https://x/')).resolves.toBeUndefined();
  });
});

describe('lookups', () => {
  it("findPersonal reads only the tenant's partition and prefers the active conversation", async () => {
    const user = { id: ids.user(), aadObjectId: ids.aad(), name: 'Ada' };
    const tenantA = personalChat({ user });
    const tenantB = personalChat({ user });
    const older = personalChat({ user, tenantId: tenantA.tenantId });
    await install(tenantA, t(10));
    await install(tenantB, t(10));
    await install(older, t(20));
    await store.markRemoved(older.conversationId, 'ConversationNotFound', t(30));
    expect((await store.findPersonal(tenantA.tenantId, user.aadObjectId))?.conversationId).toBe(tenantA.conversationId);
    expect((await store.findPersonal(tenantB.tenantId, user.aadObjectId))?.conversationId).toBe(tenantB.conversationId);
    await expect(store.findPersonal(ids.tenant(), user.aadObjectId)).resolves.toBeUndefined();
  });

  it('findTeamChannel finds General by team id, a channel by id, never a thread, and checks the tenant', async () => {
    const general = teamChannel();
    const other = teamChannel({ teamId: general.teamId!, tenantId: general.tenantId, conversationId: ids.channel() });
    await install(general);
    await install(other);
    await store.upsertFromActivity(inputOf(events.message({ ...other, conversationId: `${other.conversationId};messageid=17` }), t(1)));
    expect((await store.findTeamChannel(general.teamId!))?.conversationId).toBe(general.conversationId);
    expect((await store.findTeamChannel(general.teamId!, other.conversationId))?.conversationId).toBe(other.conversationId);
    expect((await store.findTeamChannel(general.teamId!, other.conversationId, { tenantId: general.tenantId }))?.conversationId).toBe(other.conversationId);
    await expect(store.findTeamChannel(general.teamId!, undefined, { tenantId: ids.tenant() })).resolves.toBeUndefined();
    const team = (await collect(store.listByTeam(general.teamId!))).flat();
    expect(team.map((c) => c.isThread).sort()).toEqual([false, false, true]);
  });

  it('listByTenant pages through a tenant, filters scope and status, and never shows another tenant', async () => {
    const tenantId = ids.tenant();
    const personal = Array.from({ length: 23 }, () => personalChat({ tenantId }));
    const chats = Array.from({ length: 3 }, () => groupChat({ tenantId }));
    const team = teamChannel({ tenantId });
    await Promise.all([...personal, ...chats, team].map(async (place) => install(place)));
    await store.upsertFromActivity(inputOf(events.message({ ...team, conversationId: `${team.conversationId};messageid=9` }), t(1)));
    await install(personalChat()); // another tenant
    await store.markRemoved(personal[0]!.conversationId, 'BotNotInConversationRoster', t(30));

    const pages = await collect(store.listByTenant(tenantId, { scope: 'personal', pageSize: 10 }));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(new Set(pages.flat().map((c) => c.conversationId))).toEqual(new Set(personal.map((p) => p.conversationId)));

    const active = (await collect(store.listByTenant(tenantId, { scope: 'personal', status: 'active' }))).flat();
    expect(active).toHaveLength(22);
    const everything = (await collect(store.listByTenant(tenantId))).flat();
    expect(everything).toHaveLength(23 + 3 + 1);
    expect(everything.every((c) => c.tenantId === tenantId && !c.isThread)).toBe(true);
  });

  it('listTenantPage resumes from its token in another store instance, page by page, within one tenant', async () => {
    const tenantId = ids.tenant();
    const personal = Array.from({ length: 7 }, () => personalChat({ tenantId }));
    await Promise.all([...personal, groupChat({ tenantId })].map(async (place) => install(place)));
    await Promise.all([personalChat(), personalChat()].map(async (place) => install(place))); // other tenants
    await store.markRemoved(personal[0]!.conversationId, 'ConversationBlockedByUser', t(30));

    const first = await store.listTenantPage(tenantId, { scope: 'personal', status: 'active', pageSize: 3 });
    expect(first.conversations).toHaveLength(3);
    expect(first.continuationToken).toBeDefined();
    // A later queue message runs in another process: only the token carries over.
    const elsewhere = createTableConversationStore({ conversations, index, now: () => new Date() });
    const seen = [...first.conversations];
    let token = first.continuationToken;
    let pages = 1;
    while (token !== undefined) {
      const next = await elsewhere.listTenantPage(tenantId, { scope: 'personal', status: 'active', pageSize: 3, continuationToken: token });
      seen.push(...next.conversations);
      token = next.continuationToken;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.map((c) => c.conversationId).sort()).toEqual(personal.slice(1).map((p) => p.conversationId).sort());
    expect(seen.every((c) => c.tenantId === tenantId && c.scope === 'personal' && c.status === 'active')).toBe(true);
  });

  it('listTenantPage of a tenant with no conversations is one empty last page', async () => {
    expect(await store.listTenantPage(ids.tenant(), { pageSize: 5 })).toEqual({ conversations: [] });
  });
});

describe('the API listing', () => {
  it('pages with a continuation token and returns full records', async () => {
    const tenantId = ids.tenant();
    const places = Array.from({ length: 5 }, () => groupChat({ tenantId }));
    await Promise.all(places.map(async (place) => install(place)));
    const first = await store.list({ tenantId }, { pageSize: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.items[0]?.reference.serviceUrl).toBeDefined();
    const seen = [...first.items];
    let token = first.continuationToken;
    while (token !== undefined) {
      const next = await store.list({ tenantId }, { pageSize: 2, continuationToken: token });
      seen.push(...next.items);
      token = next.continuationToken;
    }
    expect(new Set(seen.map((c) => c.conversationId))).toEqual(new Set(places.map((p) => p.conversationId)));
  });

  it('filters by user (within a tenant), team and status', async () => {
    const place = personalChat();
    const team = teamChannel({ tenantId: place.tenantId });
    await install(place);
    await install(team);
    expect((await store.list({ tenantId: place.tenantId, userId: place.user.aadObjectId })).items.map((c) => c.conversationId)).toEqual([place.conversationId]);
    expect((await store.list({ teamId: team.teamId! })).items.map((c) => c.conversationId)).toEqual([team.conversationId]);
    expect((await store.list({ tenantId: place.tenantId, status: 'removed' })).items).toEqual([]);
  });

  it('refuses a user filter without a tenant, and a token from another query', async () => {
    const error = await store.list({ userId: 'u' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(errorCodes.BadRequest);
    const tenantId = ids.tenant();
    await Promise.all([groupChat({ tenantId }), groupChat({ tenantId })].map(async (p) => install(p)));
    const page = await store.list({ tenantId }, { pageSize: 1 });
    expect(page.continuationToken).toBeDefined();
    await expect(store.list({ tenantId: ids.tenant() }, { continuationToken: page.continuationToken! })).rejects.toMatchObject({ code: errorCodes.BadRequest });
    await expect(store.list({ tenantId }, { continuationToken: 'garbage' })).rejects.toMatchObject({ code: errorCodes.BadRequest });
  });
});

describe('health and failures', () => {
  it('answers a health probe', async () => {
    await expect(store.checkHealth()).resolves.toBeUndefined();
  });

  it('reports storage that does not answer as STORAGE_UNAVAILABLE', async () => {
    // A port nothing listens on (Azurite's own, after it is gone, would do too); no SDK retries, so it fails fast.
    const dead = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;';
    const options = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
    const down = createTableConversationStore({
      conversations: TableClient.fromConnectionString(dead, 'conversations', options),
      index: TableClient.fromConnectionString(dead, 'conversationIndex', options),
      now: () => new Date(),
    });
    await expect(down.checkHealth()).rejects.toMatchObject({ code: errorCodes.StorageUnavailable });
    await expect(down.get('a:1')).rejects.toMatchObject({ code: errorCodes.StorageUnavailable });
    await expect(down.upsertFromActivity(inputOf(activityIn(personalChat(), 'message'), t(1)))).rejects.toMatchObject({ code: errorCodes.StorageUnavailable });
  });
});
