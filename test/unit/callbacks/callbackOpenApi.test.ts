import { type CallbackBody, callbackEventId, newCallbackEvent } from '../../../shared/callbacks/callbackEvent';
import { callbackView } from '../../../shared/callbacks/callbackView';
import { schemaProblems } from '../notifications/openApiSchemaCheck';

/** docs/openapi.json's callback shapes against what the code sends and shows. */
const now = new Date('2026-03-01T10:00:00Z');

describe('status callbacks in docs/openapi.json', () => {
  it('describe the bodies the gateway POSTs', () => {
    const final: CallbackBody = {
      eventId: callbackEventId('n-1', 'notification.final'),
      type: 'notification.final',
      notificationId: 'n-1',
      status: 'completedWithFailures',
      counts: { queued: 0, sent: 1, failed: 1, skipped: 0, cancelled: 0, deleted: 0 },
      tag: 'payments-api',
      at: now.toISOString(),
    };
    const failed: CallbackBody = {
      eventId: callbackEventId('n-1', 'delivery.failed', 'a:1xyz'),
      type: 'delivery.failed',
      notificationId: 'n-1',
      status: 'failed',
      at: now.toISOString(),
      delivery: { conversationId: 'a:1xyz', error: { status: 403, code: 'ConversationBlockedByUser', message: 'blocked' }, failureClass: 'gone' },
    };
    expect(schemaProblems('CallbackBody', final)).toEqual([]);
    expect(schemaProblems('CallbackBody', failed)).toEqual([]);
    expect(schemaProblems('CallbackBody', { ...final, secret: 'x' })).toEqual(['CallbackBody.secret: not in the schema']);
  });

  it('describe the callback part of the status, which drops the query string', () => {
    const event = {
      ...newCallbackEvent('https://hooks.contoso.com/x?token=t', { eventId: 'evt_1', type: 'notification.final' as const, notificationId: 'n-1', status: 'completed', at: now.toISOString() }, now),
      attempts: [{ at: now.toISOString(), outcome: 'retry' as const, status: 503, code: 'HTTP_503' }],
      nextAttemptAt: '2026-03-01T10:00:30.000Z',
    };
    const view = callbackView({ url: 'https://hooks.contoso.com/x?token=t', deliveryFailures: false }, [event]);
    expect(view.url).toBe('https://hooks.contoso.com/x');
    expect(schemaProblems('CallbackStatus', view)).toEqual([]);
    expect(schemaProblems('CallbackRequest', { url: 'https://hooks.contoso.com/x', deliveryFailures: true })).toEqual([]);
  });
});
