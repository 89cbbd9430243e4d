import { checkBeforeSend, type ConversationStatus } from '../../../shared/delivery/preSendCheck';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';

const now = new Date('2026-03-10T12:00:00.000Z');

function message(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return { version: 1, notificationId: 'n-1', operation: 'send', conversationId: '19:abc@thread.tacv2', attempt: 1, revision: 0, ...overrides };
}

describe('checkBeforeSend', () => {
  it('sends to an active conversation', () => {
    expect(checkBeforeSend(message(), { status: 'active' }, now)).toEqual({ kind: 'send' });
  });

  it('skips a removed conversation with the reason it was removed', () => {
    const decision = checkBeforeSend(message(), { status: 'removed', removedReason: 'ConversationBlockedByUser', removedAt: '2026-03-09T08:00:00.000Z' }, now);
    expect(decision).toEqual({
      kind: 'skip',
      reason: 'ConversationRemoved',
      removalReason: 'ConversationBlockedByUser',
      description: 'the conversation was removed since 2026-03-09T08:00:00.000Z (ConversationBlockedByUser); nothing was sent',
    });
  });

  it.each([['update'], ['delete']] as const)('skips a %s on a removed conversation too', (operation) => {
    expect(checkBeforeSend(message({ operation }), { status: 'removed', removedReason: 'uninstalled' }, now).kind).toBe('skip');
  });

  it('falls back to the status reason, then to unknown, when the removal reason is missing', () => {
    expect(checkBeforeSend(message(), { status: 'removed', statusReason: 'installationRemoved' }, now)).toMatchObject({ kind: 'skip', removalReason: 'installationRemoved' });
    const decision = checkBeforeSend(message(), { status: 'removed', removedAt: '2026-03-09T08:00:00.000Z' }, now);
    expect(decision).toMatchObject({ kind: 'skip', removalReason: 'unknown' });
    expect(decision.kind === 'skip' && decision.description).toContain('since 2026-03-09T08:00:00.000Z');
  });

  it('takes a stored conversation as it is read, with the field names of the store', () => {
    const stored: ConversationStatus = { status: 'removed', statusReason: 'installationRemoved', removedReason: 'ConversationBlockedByUser', removedAt: '2026-03-09T08:00:00.000Z' };
    expect(checkBeforeSend(message(), stored, now)).toMatchObject({ kind: 'skip', removalReason: 'ConversationBlockedByUser' });
  });

  it('skips a conversation the store does not hold', () => {
    expect(checkBeforeSend(message(), undefined, now)).toMatchObject({ kind: 'skip', reason: 'ConversationRemoved', removalReason: 'NotStored' });
  });

  it('sends a delivery that creates its personal chat, which has no stored conversation yet', () => {
    const createFor = { tenantId: 't-1', userAadObjectId: 'u-1' };
    expect(checkBeforeSend(message({ conversationId: undefined, createFor }), undefined, now)).toEqual({ kind: 'send' });
  });

  it('dead-letters as Expired once now is past expiresAt', () => {
    const decision = checkBeforeSend(message({ attempt: 3, expiresAt: '2026-03-10T11:59:59.999Z' }), { status: 'active' }, now);
    expect(decision).toEqual({ kind: 'deadLetter', reason: 'Expired', description: 'expired at 2026-03-10T11:59:59.999Z before attempt 3 was sent' });
  });

  it('still sends at exactly expiresAt', () => {
    expect(checkBeforeSend(message({ expiresAt: now.toISOString() }), { status: 'active' }, now)).toEqual({ kind: 'send' });
  });

  it('reports removal before expiry: it is the cause', () => {
    const decision = checkBeforeSend(message({ expiresAt: '2026-03-01T00:00:00Z' }), { status: 'removed', removedReason: 'BotNotInConversationRoster' }, now);
    expect(decision.kind).toBe('skip');
  });

  it('accepts an expiresAt with an offset', () => {
    expect(checkBeforeSend(message({ expiresAt: '2026-03-10T13:59:59+02:00' }), { status: 'active' }, now).kind).toBe('deadLetter');
    expect(checkBeforeSend(message({ expiresAt: '2026-03-10T14:00:01+02:00' }), { status: 'active' }, now).kind).toBe('send');
  });
});
