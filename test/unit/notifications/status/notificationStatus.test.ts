import { deliveryView, notificationStatusUrl, parseNotificationIdParam, parseStatusQuery } from '../../../../shared/notifications/status/notificationStatus';

describe('notification status helpers', () => {
  it('builds the status URL from the public base URL, or relative', () => {
    expect(notificationStatusUrl('01J.a_b-c', 'https://gw.example.com/')).toBe('https://gw.example.com/api/notifications/01J.a_b-c');
    expect(notificationStatusUrl('n-1', undefined)).toBe('/api/notifications/n-1');
  });

  it('accepts notification ids only in their own pattern', () => {
    expect(parseNotificationIdParam('deploy-2026.03.01_1')).toEqual({ ok: true, value: 'deploy-2026.03.01_1' });
    for (const bad of [undefined, '', '..', '-x', 'a/b', 'a b', 'x'.repeat(129)]) {
      expect(parseNotificationIdParam(bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', details: [{ path: 'id' }] } });
    }
  });

  it('reads the page size and token, ignoring other parameters', () => {
    expect(parseStatusQuery(new URLSearchParams('code=function-key'))).toEqual({ ok: true, value: { pageSize: 100 } });
    expect(parseStatusQuery(new URLSearchParams('pageSize=1000&continuationToken=abc'))).toEqual({ ok: true, value: { pageSize: 1000, continuationToken: 'abc' } });
    for (const bad of ['pageSize=0', 'pageSize=1001', 'pageSize=1.5', 'pageSize=-1', 'pageSize=', 'continuationToken=']) {
      expect(parseStatusQuery(new URLSearchParams(bad))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });

  it('shows a chat still to be created by its user, and an unresolved target with its reason', () => {
    const base = { notificationId: 'n', origin: 'direct' as const, attempts: 0, createdAt: 't0', updatedAt: 't1' };

    expect(deliveryView({ ...base, key: 'user:t:u', createFor: { tenantId: 't', userAadObjectId: 'u', referenceConversationId: 'a:1' }, status: 'queued' })).toEqual({
      user: { tenantId: 't', userId: 'u' },
      status: 'queued',
      attempts: 0,
      updatedAt: 't1',
    });
    expect(
      deliveryView({
        ...base,
        key: 'target:0',
        target: { conversationId: 'a:1' },
        conversationId: 'a:1',
        unresolved: { targetIndex: 0, reason: 'ConversationRemoved', removalReason: 'botRemoved' },
        status: 'skipped',
        lastError: { code: 'ConversationRemoved', message: 'm' },
      }),
    ).toEqual({ conversationId: 'a:1', target: { conversationId: 'a:1' }, reason: 'ConversationRemoved', removalReason: 'botRemoved', status: 'skipped', attempts: 0, lastError: { code: 'ConversationRemoved', message: 'm' }, updatedAt: 't1' });
  });
});
