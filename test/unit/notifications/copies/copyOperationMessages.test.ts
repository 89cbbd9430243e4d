import { deleteMessageFor, sendMessageFor, updateMessageFor } from '../../../../shared/notifications/copies/copyOperationMessages';
import { type DeliveryRecord } from '../../../../shared/notifications/store/notificationStore';
import { toServiceBusMessage } from '../../../../shared/queue/serviceBusMessageShape';

const now = new Date('2026-03-01T10:00:00.000Z');
const sendAt = '2026-03-01T11:00:00.000Z';
const notification = { id: 'n-1', message: { text: 'Approve?', suggestedActions: [{ type: 'imBack' as const, title: 'Yes', value: 'yes' }] }, sendAt, expiresAt: '2026-03-01T12:00:00.000Z', revision: 2 };

function row(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { notificationId: 'n-1', key: '19:chat', origin: 'direct', conversationId: '19:chat', conversationType: 'groupChat', status: 'queued', attempts: 0, createdAt: 't', updatedAt: 't', ...overrides };
}

describe('copy operation messages', () => {
  it('sends the activity built for the conversation type, scheduled and with the expiry', () => {
    const queued = sendMessageFor(row(), notification);

    expect(queued).toEqual({
      body: { version: 1, notificationId: 'n-1', conversationId: '19:chat', operation: 'send', attempt: 1, revision: 0, activity: { type: 'message', text: 'Approve?' }, expiresAt: notification.expiresAt },
      notBefore: new Date(sendAt),
    });
    expect(sendMessageFor(row({ conversationType: 'personal' }), notification).body.activity?.suggestedActions).toBeDefined();
  });

  it('addresses a created chat by its user in every operation, so all share the send’s session', () => {
    const created = row({ key: 'user:t:u', conversationId: 'a:1new', createFor: { tenantId: 't', userAadObjectId: 'u', referenceConversationId: 'a:1' } });
    const sessions = [sendMessageFor(created, notification), updateMessageFor(created, notification), deleteMessageFor(created, notification)].map((q) => toServiceBusMessage(q, now).sessionId);

    expect(sessions).toEqual(['user:t:u', 'user:t:u', 'user:t:u']);
  });

  it('schedules an update with its send while the send is still due, not once it is sent', () => {
    expect(updateMessageFor(row(), notification)).toMatchObject({ notBefore: new Date(sendAt), body: { operation: 'update', revision: 2 } });
    expect(updateMessageFor(row({ status: 'sent', activityId: 'a' }), notification).notBefore).toBeUndefined();
  });

  it('gives a repeated delete the same message id', () => {
    const ids = [deleteMessageFor(row(), { id: 'n-1', revision: 2 }), deleteMessageFor(row({ status: 'sent' }), { id: 'n-1', revision: 2 })].map((q) => toServiceBusMessage(q, now).messageId);

    expect(ids[0]).toBe(ids[1]);
    expect(deleteMessageFor(row(), { id: 'n-1', revision: 2 }).body.activity).toBeUndefined();
  });

  it('deletes at the revision the notification was deleted at, so the copy’s lastOperation matches it', () => {
    expect(deleteMessageFor(row({ status: 'sent' }), notification).body).toMatchObject({ operation: 'delete', revision: 2 });
  });
});
