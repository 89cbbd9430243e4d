import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { composeDescription } from '../../../shared/delivery/failureDescription';
import { type FanOutProgress } from '../../../shared/notifications/store/notificationStore';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { toReceivedQueueMessage } from '../../../shared/queue/serviceBusTrigger';
import { seenAtNote, sentCopyNotes, sentNotRecordedReason } from '../../../shared/sending/deadLetterFacts';
import { conversation, deadLetterSetUp, received, sendMessage, tenantId } from './sendingFakes';

const seenAt = new Date('2026-03-01T07:30:00.000Z');

const setUp = deadLetterSetUp;

function deadLettered(body: unknown, reason: string | undefined, description: string | undefined, extra: Parameters<typeof received>[1] = {}) {
  return received(body, { ...(reason === undefined ? {} : { deadLetterReason: reason }), ...(description === undefined ? {} : { deadLetterErrorDescription: description }), ...extra });
}

function teamsFailure(status: number, code: string): string {
  return composeDescription(`HTTP ${status} ${code}: Teams says no`, 'attempt 1 of 8', 'not retried', seenAtNote(seenAt));
}

describe('deadLetter: gone conversations are pruned', () => {
  it.each(['BotNotInConversationRoster', 'ConversationBlockedByUser', 'BotDisabledByAdmin', 'ForbiddenOperationException', 'ConversationNotFound'])(
    '%s: failed (class gone), conversation removed with the reason at the time the send saw it',
    async (code) => {
      const env = setUp();
      const status = code === 'ConversationNotFound' ? 404 : 403;
      const result = await env.recorder.record(deadLettered(sendMessage(), code, teamsFailure(status, code)));

      expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status, code } });
      expect(env.conversations.byId.get('a:conv-1')).toMatchObject({ status: 'removed', removedReason: code, removedAt: seenAt.toISOString() });
      expect(env.conversations.markRemovedCalls[0]).toMatchObject({ ifMatch: 'W/"1"', at: seenAt });
      expect(result.pruned).toBe(true);
      expect(result.outcome).toEqual(
        expect.objectContaining({
          event: 'delivery',
          notificationId: 'n-1',
          conversationId: 'a:conv-1',
          tenantId,
          outcome: 'failed',
          status,
          code,
          failureClass: 'gone',
          pruned: true,
        }),
      );
    },
  );

  it('keeps a conversation re-installed after the failure (a newer install wins)', async () => {
    const env = setUp();
    env.conversations.touch('a:conv-1', { statusChangedAt: '2026-03-01T07:45:00.000Z', statusReason: 'installationAdded' });
    const result = await env.recorder.record(deadLettered(sendMessage(), 'BotNotInConversationRoster', teamsFailure(403, 'BotNotInConversationRoster')));
    expect(env.conversations.byId.get('a:conv-1')!.status).toBe('active');
    expect(result.pruned).toBe(false);
    expect(result.outcome).toMatchObject({ outcome: 'failed', failureClass: 'gone' });
    expect(env.deliveries.row(sendMessage())!.status).toBe('failed');
  });

  it('re-installed between our read and our write: the conditional write loses and the install stands', async () => {
    const env = setUp();
    env.conversations.beforeMarkRemoved = (id) => {
      env.conversations.beforeMarkRemoved = undefined;
      env.conversations.touch(id, { statusChangedAt: '2026-03-01T07:50:00.000Z', statusReason: 'installationAdded' });
    };
    const result = await env.recorder.record(deadLettered(sendMessage(), 'BotNotInConversationRoster', teamsFailure(403, 'BotNotInConversationRoster')));
    expect(env.conversations.markRemovedCalls).toHaveLength(1);
    expect(env.conversations.byId.get('a:conv-1')!.status).toBe('active');
    expect(result.pruned).toBe(false);
  });

  it('an unrelated write between read and write is re-read and the prune applied', async () => {
    const env = setUp();
    env.conversations.beforeMarkRemoved = (id) => {
      env.conversations.beforeMarkRemoved = undefined;
      env.conversations.touch(id, { serviceUrlOverride: 'https://smba.infra.gcc.teams.microsoft.com/' });
    };
    const result = await env.recorder.record(deadLettered(sendMessage(), 'ConversationBlockedByUser', teamsFailure(403, 'ConversationBlockedByUser')));
    expect(env.conversations.markRemovedCalls).toHaveLength(2);
    expect(env.conversations.byId.get('a:conv-1')!.status).toBe('removed');
    expect(result.pruned).toBe(true);
  });

  it('without a time in the description, orders the prune by the message enqueue time', async () => {
    const env = setUp();
    const enqueuedTimeUtc = new Date('2026-03-01T07:10:00.000Z');
    await env.recorder.record(deadLettered(sendMessage(), 'ConversationNotFound', 'HTTP 404 ConversationNotFound', { enqueuedTimeUtc }));
    expect(env.conversations.markRemovedCalls[0]!.at).toEqual(enqueuedTimeUtc);
  });

  it('prunes the chat a createFor delivery created', async () => {
    const env = setUp();
    const createFor = { tenantId, userAadObjectId: 'aad-x' };
    const message = sendMessage({ conversationId: undefined, createFor });
    env.deliveries.add(message, { status: 'sent', activityId: 'act-1', conversationId: 'a:created' });
    env.conversations.put(conversation('a:created'));
    const update: DeliveryMessage = { ...message, operation: 'update', revision: 1 };
    await env.recorder.record(deadLettered(update, 'BotNotInConversationRoster', teamsFailure(403, 'BotNotInConversationRoster')));
    expect(env.conversations.byId.get('a:created')!.status).toBe('removed');
  });
});

describe('deadLetter: final status by class', () => {
  it.each([
    ['BadArgument', 400, 'rejected'],
    ['MessageSizeTooBig', 413, 'rejected'],
    ['BotNotRegistered', 401, 'misconfigured'],
    ['NotEnoughPermissions', 403, 'misconfigured'],
    ['InvalidBotApiHost', 403, 'misconfigured'],
    ['ServiceError', 500, 'teamsFault'],
  ])('%s (HTTP %i) ends failed as %s and prunes nothing', async (code, status, failureClass) => {
    const env = setUp();
    const result = await env.recorder.record(deadLettered(sendMessage(), code, teamsFailure(status, code)));
    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass, lastError: { status, code } });
    expect(env.conversations.byId.get('a:conv-1')!.status).toBe('active');
    expect(env.conversations.markRemovedCalls).toHaveLength(0);
    expect(result.outcome).toMatchObject({ outcome: 'failed', code, status, failureClass });
  });

  it.each([
    ['RetriesExhausted', 'HTTP 503 ServiceUnavailable: busy; attempt 8 of 8; retries exhausted', 'exhausted', 503],
    ['RetriesExhausted', 'HTTP 401: denied; attempt 8 of 8, after a retry with a fresh token; retries exhausted', 'misconfigured', 401],
    ['Expired', 'expired at 2026-03-01T07:00:00.000Z before attempt 2 was sent', 'expired', undefined],
    ['UntrustedServiceUrl', 'serviceUrl https://evil.example/ is not a trusted Bot Connector host; nothing was sent', 'misconfigured', undefined],
  ])('the gateway reason %s ends failed as the right class', async (reason, description, failureClass, status) => {
    const env = setUp();
    const result = await env.recorder.record(deadLettered(sendMessage(), reason, description));
    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass, lastError: { code: reason, message: description } });
    expect(result.outcome).toMatchObject({ outcome: 'failed', code: reason, failureClass, status });
  });

  it.each([
    ['MaxDeliveryCountExceeded', 'exhausted'],
    ['TTLExpiredException', 'expired'],
  ])("Service Bus's own %s (from the application properties) ends failed as %s", async (reason, failureClass) => {
    const env = setUp();
    // As the broker leaves them: only the application properties carry the reason.
    const message = toReceivedQueueMessage({
      body: sendMessage(),
      messageId: 'm-1',
      deliveryCount: 5,
      applicationProperties: { DeadLetterReason: reason, DeadLetterErrorDescription: 'by the broker' },
      state: 'deferred',
      _rawAmqpMessage: { body: null },
    } as unknown as ServiceBusReceivedMessage);
    const result = await env.recorder.record(message);
    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass, lastError: { code: reason } });
    expect(result.outcome).toMatchObject({ outcome: 'failed', failureClass });
  });

  it('ConversationRemoved ends skipped, prunes nothing and logs skipped', async () => {
    const env = setUp();
    const result = await env.recorder.record(deadLettered(sendMessage(), 'ConversationRemoved', 'the conversation was removed (installationRemoved); nothing was sent'));
    expect(env.deliveries.row(sendMessage())!.status).toBe('skipped');
    expect(env.conversations.markRemovedCalls).toHaveLength(0);
    expect(result.outcome).toMatchObject({ outcome: 'skipped', failureClass: 'gone' });
  });

  it('a late dead-letter of a delivery already sent changes nothing and logs no failure', async () => {
    const env = setUp();
    env.deliveries.add(sendMessage(), { status: 'sent', activityId: 'act-1', attempts: 2 });
    const result = await env.recorder.record(deadLettered(sendMessage(), 'MaxDeliveryCountExceeded', 'crashed'));
    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'sent', activityId: 'act-1' });
    expect(result.outcome).toBeUndefined();
    expect(result.notes.join(' ')).toMatch(/is sent already/);
  });

  it('a failed update is recorded on the copy operation, never on the send', async () => {
    const env = setUp();
    env.deliveries.add(sendMessage(), { status: 'sent', activityId: 'act-1', attempts: 1 });
    const update: DeliveryMessage = { ...sendMessage(), operation: 'update', revision: 2 };
    const result = await env.recorder.record(deadLettered(update, 'BadArgument', teamsFailure(400, 'BadArgument')));
    const row = env.deliveries.row(sendMessage())!;
    expect(row.status).toBe('sent');
    expect(row.lastOperation).toMatchObject({ operation: 'update', revision: 2, status: 'failed', error: { code: 'BadArgument', status: 400 } });
    expect(result.outcome).toMatchObject({ outcome: 'failed', operation: 'update' });
  });
});

describe('deadLetter: what the send function recorded before dead-lettering stands', () => {
  it('the same dead-letter seen again changes nothing, prunes nothing more and logs no second line', async () => {
    const env = setUp();
    const message = deadLettered(sendMessage(), 'ConversationBlockedByUser', teamsFailure(403, 'ConversationBlockedByUser'));
    const first = await env.recorder.record(message);
    const recorded = env.deliveries.row(sendMessage());

    const again = await env.recorder.record(message);

    expect(first.outcome).toMatchObject({ outcome: 'failed', failureClass: 'gone', pruned: true });
    expect(again.outcome).toBeUndefined();
    expect(again.pruned).toBe(false);
    expect(again.notes.join(' ')).toMatch(/is failed already/);
    expect(env.deliveries.row(sendMessage())).toStrictEqual(recorded);
    expect(env.conversations.markRemovedCalls).toHaveLength(1);
  });

  it('a broker MaxDeliveryCountExceeded after failed settlements keeps the class the send recorded', async () => {
    const env = setUp();
    await env.recorder.record(deadLettered(sendMessage(), 'MessageSizeTooBig', teamsFailure(413, 'MessageSizeTooBig')));

    const broker = await env.recorder.record(deadLettered(sendMessage(), 'MaxDeliveryCountExceeded', 'Message could not be consumed after 10 delivery attempts.'));

    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass: 'rejected', lastError: { status: 413, code: 'MessageSizeTooBig' } });
    expect(broker.outcome).toBeUndefined();
  });

  it('an update whose failure is recorded keeps it when its message is dead-lettered again', async () => {
    const env = setUp();
    env.deliveries.add(sendMessage(), { status: 'sent', activityId: 'act-1', attempts: 1 });
    const update: DeliveryMessage = { ...sendMessage(), operation: 'update', revision: 2 };
    await env.recorder.record(deadLettered(update, 'BadArgument', teamsFailure(400, 'BadArgument')));

    const again = await env.recorder.record(deadLettered(update, 'MaxDeliveryCountExceeded', 'Message could not be consumed after 10 delivery attempts.'));

    expect(env.deliveries.row(sendMessage())!.lastOperation).toMatchObject({ operation: 'update', revision: 2, status: 'failed', error: { code: 'BadArgument' } });
    expect(again.outcome).toBeUndefined();
    expect(again.notes.join(' ')).toMatch(/update 2 failed already/);
  });
});

describe('deadLetter: messages that are not deliveries, and recovered ones', () => {
  it.each([
    ['text', 'this is not json'],
    ['bytes', new Uint8Array([1, 2, 3])],
    ['an object of another app', { orderId: 42 }],
    ['null', null],
  ])('records %s in the log and never throws', async (_name, body) => {
    const env = setUp();
    const result = await env.recorder.record(deadLettered(body, 'MaxDeliveryCountExceeded', 'crashed 5 times', { messageId: 'foreign-1', applicationProperties: { notificationId: 'n-9' } }));
    expect(result.outcome).toMatchObject({ outcome: 'failed', code: 'MaxDeliveryCountExceeded', failureClass: 'exhausted', messageId: 'foreign-1', notificationId: 'n-9' });
    expect(result.outcome!.detail).toMatch(/not a delivery message/);
    expect(env.deliveries.calls).toHaveLength(0);
  });

  it('a message without any reason is classified unknown', async () => {
    const env = setUp();
    const result = await env.recorder.record(received(sendMessage()));
    expect(result.outcome).toMatchObject({ outcome: 'failed', code: 'Unknown', failureClass: 'unknown' });
    expect(env.deliveries.row(sendMessage())!.status).toBe('failed');
  });

  it('SentNotRecorded: records the copy sent with the activity id the send handed over', async () => {
    const env = setUp();
    const description = composeDescription('posted as activity act-77, but the sent status could not be written: down', ...sentCopyNotes({ activityId: 'act-77' }), seenAtNote(seenAt));
    const result = await env.recorder.record(deadLettered(sendMessage(), sentNotRecordedReason, description));
    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'sent', activityId: 'act-77' });
    expect(result.outcome).toMatchObject({ outcome: 'sent', activityId: 'act-77', failureClass: undefined });
  });

  describe('a fan-out step that died', () => {
    const step = (page: number): DeliveryMessage => ({ version: 1, notificationId: 'n-2', operation: 'fanOut', attempt: 1, revision: 0, fanOut: { targetIndex: 0, tenantId, scope: 'personal', page } });
    const progress = (overrides: Partial<FanOutProgress> = {}): FanOutProgress => ({
      notificationId: 'n-2',
      targetIndex: 0,
      tenantId,
      scope: 'personal',
      pagesDone: 3,
      deliveries: 2500,
      state: 'expanding',
      updatedAt: '2026-03-01T07:00:00.000Z',
      ...overrides,
    });

    it('ends its chain as failed with the reason, and touches no delivery row', async () => {
      const env = setUp();
      env.deliveries.putFanOut(progress());
      const result = await env.recorder.record(deadLettered(step(3), 'MaxDeliveryCountExceeded', 'storage down'));

      expect(result.outcome).toMatchObject({ outcome: 'failed', operation: 'fanOut', tenantId, failureClass: 'exhausted' });
      expect(await env.deliveries.getFanOutProgress('n-2', 0)).toEqual(
        progress({ state: 'failed', error: { code: 'MaxDeliveryCountExceeded', message: 'storage down' }, updatedAt: env.clock.now().toISOString() }),
      );
      expect(result.notes).toEqual(['fan-out n-2 target 0 recorded failed at page 3']);
      expect(env.deliveries.methods().filter((m) => !m.endsWith('FanOutProgress'))).toEqual([]);
    });

    it('records a failed chain even when no progress row was written', async () => {
      const env = setUp();
      await env.recorder.record(deadLettered(step(0), 'MaxDeliveryCountExceeded', undefined));
      expect(await env.deliveries.getFanOutProgress('n-2', 0)).toMatchObject({ state: 'failed', pagesDone: 0, deliveries: 0, error: { code: 'MaxDeliveryCountExceeded', message: 'MaxDeliveryCountExceeded' } });
    });

    it.each([
      ['its page was counted (the chain went on)', progress({ pagesDone: 4 })],
      ['the chain is done', progress({ state: 'done' })],
      ['the notification was deleted', progress({ state: 'stopped' })],
    ])('leaves the progress as it stands when %s', async (_, stands) => {
      const env = setUp();
      env.deliveries.putFanOut(stands);
      const result = await env.recorder.record(deadLettered(step(3), 'MaxDeliveryCountExceeded', 'storage down'));
      expect(await env.deliveries.getFanOutProgress('n-2', 0)).toEqual(stands);
      expect(env.deliveries.methods()).not.toContain('saveFanOutProgress');
      expect(result.outcome).toMatchObject({ outcome: 'failed', operation: 'fanOut' });
    });

    it('lets a storage failure through so the dead letter is recorded later', async () => {
      const env = setUp();
      env.deliveries.failNext('saveFanOutProgress');
      await expect(env.recorder.record(deadLettered(step(0), 'MaxDeliveryCountExceeded', 'x'))).rejects.toThrow('storage unavailable');
    });
  });

  it('lets a storage failure through so the message is redelivered', async () => {
    const env = setUp();
    env.deliveries.failNext('markFinished');
    await expect(env.recorder.record(deadLettered(sendMessage(), 'BadArgument', 'HTTP 400 BadArgument'))).rejects.toThrow('storage unavailable');
  });
});
