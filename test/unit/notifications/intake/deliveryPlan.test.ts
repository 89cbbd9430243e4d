import { planDirectDeliveries, planFanOutDeliveries, rowsToSend } from '../../../../shared/notifications/intake/deliveryPlan';
import { type TargetResolution } from '../../../../shared/notifications/intake/targetResolution';
import { type NotificationTarget } from '../../../../shared/notifications/request/notificationTarget';
import { type DeliveryRecord } from '../../../../shared/notifications/store/notificationStore';
import { type ConversationSummary } from '../../../../shared/store/conversationStore';

const now = new Date('2026-03-01T10:00:00.000Z');
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const userId = 'b7c3a1f0-0000-4000-8000-000000000001';

const deliver = (conversationId: string, conversationType: 'personal' | 'groupChat' | 'channel'): TargetResolution => ({
  kind: 'deliver',
  delivery: { key: conversationId, conversationId, conversationType, tenantId },
});

describe('planDirectDeliveries', () => {
  const targets: NotificationTarget[] = [
    { kind: 'conversation', conversationId: 'a:1chat' },
    { kind: 'user', userId, tenantId },
    { kind: 'team', teamId: '19:team@thread.tacv2' },
    { kind: 'conversation', conversationId: 'a:1gone' },
    { kind: 'tenant', tenantId, scope: 'all' },
    { kind: 'user', userId: 'b7c3a1f0-0000-4000-8000-000000000002', tenantId },
  ];
  const resolutions: TargetResolution[] = [
    deliver('a:1chat', 'personal'),
    // The same chat by its user: one delivery.
    deliver('a:1chat', 'personal'),
    deliver('19:team@thread.tacv2', 'channel'),
    { kind: 'unresolved', reason: 'ConversationRemoved', message: 'removed', conversationId: 'a:1gone', removalReason: 'ConversationBlockedByUser' },
    { kind: 'fanOut', tenantId, scope: 'all' },
    {
      kind: 'deliver',
      delivery: {
        key: `user:${tenantId}:b7c3a1f0-0000-4000-8000-000000000002`,
        createFor: { tenantId, userAadObjectId: 'b7c3a1f0-0000-4000-8000-000000000002', referenceConversationId: 'a:1chat' },
        conversationType: 'personal',
        tenantId,
      },
    },
  ];

  it('makes one queued row per distinct conversation, first target first', () => {
    const plan = planDirectDeliveries('n-1', targets, resolutions, { text: 'hi' }, now);

    expect(plan.deliveries.map((row) => [row.key, row.origin, row.status, row.target])).toEqual([
      ['a:1chat', 'direct', 'queued', { conversationId: 'a:1chat' }],
      ['19:team@thread.tacv2', 'direct', 'queued', { teamId: '19:team@thread.tacv2' }],
      [`user:${tenantId}:b7c3a1f0-0000-4000-8000-000000000002`, 'direct', 'queued', { userId: 'b7c3a1f0-0000-4000-8000-000000000002', tenantId }],
    ]);
    expect(plan.deliveries[2]).toMatchObject({ createFor: { referenceConversationId: 'a:1chat' }, conversationType: 'personal', attempts: 0, createdAt: now.toISOString() });
    expect(plan.deliveries[2]?.conversationId).toBeUndefined();
    expect(plan.fanOuts).toEqual([{ targetIndex: 4, target: { tenantId, scope: 'all' }, tenantId, scope: 'all' }]);
  });

  it('reports unresolved targets and writes a skipped row for each, keyed by its position', () => {
    const plan = planDirectDeliveries('n-1', targets, resolutions, { text: 'hi' }, now);

    expect(plan.unresolved).toEqual([
      { target: { conversationId: 'a:1gone' }, reason: 'ConversationRemoved', message: 'removed', conversationId: 'a:1gone', removalReason: 'ConversationBlockedByUser' },
    ]);
    expect(plan.unresolvedRows).toEqual([
      expect.objectContaining({
        key: 'target:3',
        status: 'skipped',
        conversationId: 'a:1gone',
        unresolved: { targetIndex: 3, reason: 'ConversationRemoved', removalReason: 'ConversationBlockedByUser' },
        lastError: { code: 'ConversationRemoved', message: 'removed' },
      }),
    ]);
  });

  it('warns where suggested actions will not be shown', () => {
    const message = { text: 'Approve?', suggestedActions: [{ type: 'imBack' as const, title: 'Yes', value: 'yes' }] };

    const plan = planDirectDeliveries('n-1', targets, resolutions, message, now);

    expect(plan.warnings).toEqual([{ target: { teamId: '19:team@thread.tacv2' }, conversationId: '19:team@thread.tacv2', reason: 'SuggestedActionsNotShown', message: expect.any(String) }]);
    expect(planDirectDeliveries('n-1', targets, resolutions, { text: 'plain' }, now).warnings).toEqual([]);
  });
});

describe('planFanOutDeliveries and rowsToSend', () => {
  const summary = (conversationId: string, overrides: Partial<ConversationSummary> = {}): ConversationSummary => ({
    conversationId,
    tenantId,
    scope: 'groupChat',
    isThread: false,
    status: 'active',
    statusChangedAt: now.toISOString(),
    ...overrides,
  });

  it('takes each active, non-thread conversation of the page once, as the fan-out of its target', () => {
    const rows = planFanOutDeliveries('n-1', 2, [summary('19:a'), summary('19:a'), summary('19:b', { status: 'removed' }), summary('19:c;messageid=1', { isThread: true }), summary('a:1p', { scope: 'personal' })], now);

    expect(rows.map((row) => [row.key, row.origin, row.conversationType])).toEqual([
      ['19:a', 'fanOut:2', 'groupChat'],
      ['a:1p', 'fanOut:2', 'personal'],
    ]);
  });

  it('sends only rows of its own origin that were never attempted', () => {
    const row = (key: string, overrides: Partial<DeliveryRecord>): DeliveryRecord => ({
      notificationId: 'n-1',
      key,
      origin: 'fanOut:0',
      status: 'queued',
      attempts: 0,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      ...overrides,
    });
    const stored = [row('mine', {}), row('direct', { origin: 'direct' }), row('retrying', { attempts: 1 }), row('sent', { status: 'sent' }), row('other', { origin: 'fanOut:1' })];

    expect(rowsToSend(stored, 'fanOut:0').map((r) => r.key)).toEqual(['mine']);
  });
});
