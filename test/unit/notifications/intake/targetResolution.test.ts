import { type ConversationLookups, resolveTargets } from '../../../../shared/notifications/intake/targetResolution';
import { type ConversationSummary, type StoredConversation } from '../../../../shared/store/conversationStore';

const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const userId = 'b7c3a1f0-0000-4000-8000-000000000001';
const at = '2026-02-01T00:00:00.000Z';

function stored(conversationId: string, overrides: Partial<StoredConversation> = {}): StoredConversation {
  return {
    conversationId,
    tenantId,
    scope: 'personal',
    isThread: false,
    reference: { bot: { id: '28:bot' }, conversation: { id: conversationId }, channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/amer/' },
    referenceAt: at,
    status: 'active',
    statusChangedAt: at,
    createdAt: at,
    updatedAt: at,
    revision: 1,
    etag: 'e',
    ...overrides,
  };
}

/** The store's read surface over a list of records (the Table adapter itself is tested against Azurite). */
function lookups(records: StoredConversation[]): ConversationLookups {
  const byId = new Map(records.map((record) => [record.conversationId, record]));
  return {
    get: async (id) => Promise.resolve(byId.get(id)),
    findPersonal: async (tenant, user) => Promise.resolve(records.find((r) => r.tenantId === tenant && r.scope === 'personal' && r.userAadObjectId === user)),
    findTeamChannel: async (teamId, channelId) => Promise.resolve(records.find((r) => r.teamId === teamId && r.teamsChannelId === (channelId ?? teamId))),
    listByTeam: async function* (teamId) {
      const page: ConversationSummary[] = records.filter((r) => r.teamId === teamId);
      if (page.length > 0) yield await Promise.resolve(page);
    },
    listByTenant: async function* (tenant, options) {
      const page: ConversationSummary[] = records.filter((r) => r.tenantId === tenant && (options?.status === undefined || r.status === options.status));
      if (page.length > 0) yield await Promise.resolve(page);
    },
  };
}

describe('resolveTargets', () => {
  it('resolves each kind, in request order', async () => {
    const chat = stored('a:1chat', { userAadObjectId: userId });
    const general = stored('19:team@thread.tacv2', { scope: 'channel', teamId: '19:team@thread.tacv2', teamsChannelId: '19:team@thread.tacv2' });
    const blocked = stored('a:1blocked', { status: 'removed', removedReason: 'ConversationBlockedByUser', removedAt: '2026-02-02T00:00:00.000Z' });
    const other = 'b7c3a1f0-0000-4000-8000-000000000002';

    const resolutions = await resolveTargets(
      [
        { kind: 'user', userId, tenantId },
        { kind: 'team', teamId: '19:team@thread.tacv2' },
        { kind: 'conversation', conversationId: 'a:1blocked' },
        { kind: 'user', userId: other, tenantId },
        { kind: 'tenant', tenantId, scope: 'groupChat' },
        { kind: 'team', teamId: '19:team@thread.tacv2', channelId: '19:missing@thread.tacv2' },
      ],
      lookups([chat, general, blocked]),
    );

    expect(resolutions).toEqual([
      { kind: 'deliver', delivery: { key: 'a:1chat', conversationId: 'a:1chat', conversationType: 'personal', tenantId } },
      { kind: 'deliver', delivery: { key: general.conversationId, conversationId: general.conversationId, conversationType: 'channel', tenantId } },
      {
        kind: 'unresolved',
        reason: 'ConversationRemoved',
        conversationId: 'a:1blocked',
        removalReason: 'ConversationBlockedByUser',
        message: expect.stringContaining('since 2026-02-02T00:00:00.000Z (ConversationBlockedByUser)'),
      },
      {
        kind: 'deliver',
        delivery: { key: `user:${tenantId}:${other}`, createFor: { tenantId, userAadObjectId: other, referenceConversationId: 'a:1chat' }, conversationType: 'personal', tenantId },
      },
      { kind: 'fanOut', tenantId, scope: 'groupChat' },
      {
        kind: 'deliver',
        delivery: {
          key: `channel:${tenantId}:19:missing@thread.tacv2`,
          createFor: { tenantId, teamId: '19:team@thread.tacv2', channelId: '19:missing@thread.tacv2', referenceConversationId: general.conversationId },
          conversationType: 'channel',
          tenantId,
        },
      },
    ]);
  });

  describe('a team target whose channel is not stored', () => {
    const teamId = '19:team@thread.tacv2';
    const selected = stored('19:selected@thread.tacv2', { scope: 'channel', teamId, teamsChannelId: '19:selected@thread.tacv2' });

    it('reaches General (id = team id) with the reference of the channel the app was installed from', async () => {
      const [resolution] = await resolveTargets([{ kind: 'team', teamId }], lookups([selected]));
      expect(resolution).toEqual({
        kind: 'deliver',
        delivery: { key: `channel:${tenantId}:${teamId}`, createFor: { tenantId, teamId, channelId: teamId, referenceConversationId: selected.conversationId }, conversationType: 'channel', tenantId },
      });
    });

    it('never uses a reply thread or a removed channel as the reference', async () => {
      const thread = stored(`${selected.conversationId};messageid=1`, { scope: 'channel', teamId, teamsChannelId: selected.conversationId, isThread: true });
      const removed = { ...selected, status: 'removed' as const, removedReason: 'teamArchived', removedAt: '2026-02-03T00:00:00.000Z' };
      const [resolution] = await resolveTargets([{ kind: 'team', teamId }], lookups([thread, removed]));
      expect(resolution).toMatchObject({ kind: 'unresolved', reason: 'ConversationRemoved', conversationId: selected.conversationId, removalReason: 'teamArchived' });
    });

    it('reports a team nobody installed the app in as not found', async () => {
      const [resolution] = await resolveTargets([{ kind: 'team', teamId: '19:unknown@thread.tacv2' }], lookups([selected]));
      expect(resolution).toMatchObject({ kind: 'unresolved', reason: 'ConversationNotFound', message: expect.stringContaining('19:unknown@thread.tacv2') });
    });
  });

  it('creates a chat only from an active conversation of the tenant', async () => {
    const onlyRemoved = stored('a:1old', { status: 'removed', removedReason: 'installationRemoved' });

    const [resolution] = await resolveTargets([{ kind: 'user', userId, tenantId }], lookups([onlyRemoved]));

    expect(resolution).toEqual({ kind: 'unresolved', reason: 'ConversationNotFound', message: expect.stringContaining(`no active conversation in tenant ${tenantId}`) });
  });

  it('resolves many targets with bounded parallelism and keeps their order', async () => {
    const records = Array.from({ length: 100 }, (_, i) => stored(`a:1chat-${i}`));
    let inFlight = 0;
    let most = 0;
    const base = lookups(records);
    const counting: ConversationLookups = {
      ...base,
      get: async (id) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return base.get(id);
      },
    };

    const resolutions = await resolveTargets(records.map((r) => ({ kind: 'conversation' as const, conversationId: r.conversationId })), counting);

    expect(resolutions.map((r) => (r.kind === 'deliver' ? r.delivery.key : r.kind))).toEqual(records.map((r) => r.conversationId));
    expect(most).toBeLessThanOrEqual(16);
    expect(most).toBeGreaterThan(1);
  });
});
