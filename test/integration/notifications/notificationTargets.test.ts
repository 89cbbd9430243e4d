import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { bySession, newTenantId, newUserId, NotificationRig, seedConversation, uniqueId, useGatewayEnvironment } from './notificationRig';

/**
 * Every target kind through the real POST handler, Azurite and the in-process queue: what is queued (one
 * message per distinct conversation), what is reported instead and why, and what the status shows.
 */
useGatewayEnvironment();

let rig: NotificationRig;
beforeEach(() => {
  rig = new NotificationRig();
});
afterEach(async () => rig.close());

describe('POST /api/notifications: targets', () => {
  it('resolves conversation, user and team targets, reports the unresolved ones, and queues one send per conversation', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const userWithChat = newUserId();
    const userWithoutChat = newUserId();
    const teamId = `19:${uniqueId('team')}@thread.tacv2`;
    const personal = await seedConversation(services, { tenantId, scope: 'personal', userAadObjectId: userWithChat });
    const group = await seedConversation(services, { tenantId, scope: 'groupChat' });
    const general = await seedConversation(services, { tenantId, scope: 'channel', teamId, conversationId: teamId });
    const otherChannel = await seedConversation(services, { tenantId, scope: 'channel', teamId });
    const blocked = await seedConversation(services, { tenantId, scope: 'personal' });
    await services.conversationStore.markRemoved(blocked.conversationId, 'ConversationBlockedByUser', new Date('2026-02-15T00:00:00.000Z'));
    const unknownConversation = uniqueId('a:unknown');
    const strangerTenant = newTenantId();
    const id = uniqueId('targets');

    const response = await rig.post({
      id,
      targets: [
        { conversationId: group.conversationId },
        { userId: userWithChat, tenantId },
        { userId: userWithoutChat, tenantId },
        { teamId },
        { teamId, channelId: otherChannel.conversationId },
        { conversationId: unknownConversation },
        { conversationId: blocked.conversationId },
        { userId: newUserId(), tenantId: strangerTenant },
        { teamId: uniqueId('19:no-such-team') },
        // The same personal chat again, by its id: one delivery.
        { conversationId: personal.conversationId },
      ],
      message: { text: 'Deploy **finished**', textFormat: 'markdown', suggestedActions: [{ type: 'imBack', title: 'Thanks', value: 'thanks' }] },
    });

    expect(response.status).toBe(202);
    expect(schemaProblems('AcceptedNotification', response.body)).toEqual([]);
    expect(response.headers.location).toBe(`https://gateway.example.test/api/notifications/${id}`);
    expect(response.body).toMatchObject({ id, status: 'accepted', deliveries: 5, statusUrl: `https://gateway.example.test/api/notifications/${id}` });
    expect(response.body.unresolved).toEqual([
      { target: { conversationId: unknownConversation }, reason: 'ConversationNotFound', message: expect.stringContaining(unknownConversation) },
      {
        target: { conversationId: blocked.conversationId },
        reason: 'ConversationRemoved',
        conversationId: blocked.conversationId,
        removalReason: 'ConversationBlockedByUser',
        message: expect.stringContaining('ConversationBlockedByUser'),
      },
      { target: { userId: expect.any(String), tenantId: strangerTenant }, reason: 'ConversationNotFound', message: expect.stringContaining(strangerTenant) },
      { target: { teamId: expect.stringContaining('no-such-team') }, reason: 'ConversationNotFound', message: expect.any(String) },
    ]);
    // Suggested actions are dropped where Teams does not show them, and the caller is told.
    expect((response.body.warnings as { conversationId: string; reason: string }[]).map((w) => [w.conversationId, w.reason])).toEqual([
      [group.conversationId, 'SuggestedActionsNotShown'],
      [general.conversationId, 'SuggestedActionsNotShown'],
      [otherChannel.conversationId, 'SuggestedActionsNotShown'],
    ]);

    const seen = await rig.drainQueue();
    expect(seen.every((m) => m.body.operation === 'send' && m.body.notificationId === id && m.body.attempt === 1)).toBe(true);
    const sessions = bySession(seen);
    expect([...sessions.keys()].sort()).toEqual(
      [group.conversationId, personal.conversationId, `user:${tenantId}:${userWithoutChat}`, general.conversationId, otherChannel.conversationId].sort(),
    );
    expect([...sessions.values()].every((messages) => messages.length === 1)).toBe(true);
    const bodyOf = (session: string) => sessions.get(session)?.[0]?.body;
    expect(bodyOf(personal.conversationId)?.activity?.suggestedActions).toEqual({ actions: [{ type: 'imBack', title: 'Thanks', value: 'thanks' }] });
    expect(bodyOf(group.conversationId)?.activity).toEqual({ type: 'message', text: 'Deploy **finished**', textFormat: 'markdown' });
    // No chat with this user yet: the send path creates it from a stored reference of the same tenant.
    const create = bodyOf(`user:${tenantId}:${userWithoutChat}`);
    expect(create?.conversationId).toBeUndefined();
    expect(create?.createFor).toMatchObject({ tenantId, userAadObjectId: userWithoutChat });
    const referenceConversation = await services.conversationStore.get(create?.createFor?.referenceConversationId ?? '');
    expect(referenceConversation).toMatchObject({ tenantId, status: 'active' });

    const status = await rig.get(id, '?pageSize=1000');
    expect(status.status).toBe(200);
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
    expect(status.body.counts).toEqual({ queued: 5, sent: 0, failed: 0, skipped: 4, cancelled: 0, deleted: 0 });
    const deliveries = status.body.deliveries as Record<string, unknown>[];
    expect(deliveries).toHaveLength(9);
    expect(deliveries).toContainEqual(
      expect.objectContaining({
        conversationId: blocked.conversationId,
        status: 'skipped',
        reason: 'ConversationRemoved',
        removalReason: 'ConversationBlockedByUser',
        lastError: { code: 'ConversationRemoved', message: expect.stringContaining('ConversationBlockedByUser') },
      }),
    );
    expect(deliveries).toContainEqual(expect.objectContaining({ user: { tenantId, userId: userWithoutChat }, status: 'queued', attempts: 0 }));
  });

  it('reaches General by the team id when only the channel the app was installed from is stored', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const teamId = `19:${uniqueId('team')}@thread.tacv2`;
    const selected = await seedConversation(services, { tenantId, scope: 'channel', teamId });
    const id = uniqueId('team-by-id');

    const response = await rig.post({ id, targets: [{ teamId }, { teamId, channelId: '19:other@thread.tacv2' }], message: { text: 'Incident' } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ deliveries: 2, unresolved: [] });

    const sessions = bySession(await rig.drainQueue());
    expect([...sessions.keys()].sort()).toEqual([`channel:${tenantId}:${teamId}`, `channel:${tenantId}:19:other@thread.tacv2`].sort());
    expect(sessions.get(`channel:${tenantId}:${teamId}`)?.[0]?.body.createFor).toEqual({ tenantId, teamId, channelId: teamId, referenceConversationId: selected.conversationId });
    const status = await rig.get(id);
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
    expect(status.body.deliveries).toEqual(
      expect.arrayContaining([expect.objectContaining({ target: { teamId }, status: 'queued' }), expect.objectContaining({ target: { teamId, channelId: '19:other@thread.tacv2' }, status: 'queued' })]),
    );
  });

  it('lower-cases GUIDs as Teams sends them, so a user given in upper case is still found', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const userId = newUserId();
    const personal = await seedConversation(services, { tenantId, scope: 'personal', userAadObjectId: userId });

    const response = await rig.post({ targets: [{ userId: userId.toUpperCase(), tenantId: tenantId.toUpperCase() }], message: { text: 'hi' } });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ deliveries: 1, unresolved: [] });
    expect((await rig.drainQueue()).map((m) => m.body.conversationId)).toEqual([personal.conversationId]);
  });

  it('makes an id when the caller gives none', async () => {
    const services = await rig.services();
    const group = await seedConversation(services, { tenantId: newTenantId(), scope: 'groupChat' });

    const first = await rig.post({ targets: [{ conversationId: group.conversationId }], message: { text: 'one' } });
    const second = await rig.post({ targets: [{ conversationId: group.conversationId }], message: { text: 'one' } });

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(first.body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(second.body.id).not.toBe(first.body.id);
    // Without an idempotency key the two posts are two notifications.
    expect((await rig.drainQueue()).map((m) => m.body.notificationId).sort()).toEqual([first.body.id, second.body.id].sort());
  });
});
