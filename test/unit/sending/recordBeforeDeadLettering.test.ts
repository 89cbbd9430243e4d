import { sentNotRecordedReason } from '../../../shared/sending/deadLetterFacts';
import { deliveryNotFoundReason } from '../../../shared/sending/deliverySender';
import { recordBeforeDeadLettering } from '../../../shared/sending/recordBeforeDeadLettering';
import { type SendResult } from '../../../shared/sending/sendResult';
import { deadLetterSetUp, received, sendMessage } from './sendingFakes';

const setUp = deadLetterSetUp;

const deadLetter = (reason: string, description: string): SendResult => ({ settlement: { kind: 'deadLetter', reason, description }, notes: ['from the sender'] });
const completed: SendResult = { settlement: { kind: 'complete' }, notes: [] };

describe('recordBeforeDeadLettering', () => {
  it('writes the final classified state and prunes before the message is dead-lettered, and says what to log', async () => {
    const env = setUp();
    const result = await recordBeforeDeadLettering(received(sendMessage()), deadLetter('ConversationBlockedByUser', 'HTTP 403 ConversationBlockedByUser: blocked'), env.recorder);

    expect(env.deliveries.row(sendMessage())).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'ConversationBlockedByUser' } });
    expect(env.conversations.byId.get('a:conv-1')!.status).toBe('removed');
    expect(result.settlement).toStrictEqual({ kind: 'deadLetter', reason: 'ConversationBlockedByUser', description: 'HTTP 403 ConversationBlockedByUser: blocked' });
    expect(result.outcome).toMatchObject({ outcome: 'failed', code: 'ConversationBlockedByUser', failureClass: 'gone', pruned: true });
    expect(result.notes[0]).toBe('from the sender');
  });

  it.each([
    ['a completed message', completed],
    ['SentNotRecorded (storage failed; the queue carries the ids)', deadLetter(sentNotRecordedReason, 'posted as activity a-1; activityId=a-1')],
    ['DeliveryNotFound (no row to write)', deadLetter(deliveryNotFoundReason, 'no delivery row')],
  ])('leaves %s to the settlement as it is', async (_what, given) => {
    const env = setUp();
    const result = await recordBeforeDeadLettering(received(sendMessage()), given, env.recorder);

    expect(result).toBe(given);
    expect(env.deliveries.methods()).toEqual([]);
  });

  it.each([
    ['a message that is not a delivery', '{"not":"a delivery"}'],
    ['a fan-out step', { ...sendMessage(), operation: 'fanOut', conversationId: undefined, fanOut: { targetIndex: 0, tenantId: 't-1', scope: 'personal', page: 0 } }],
  ])('leaves %s to the deadLetter function (nothing to protect, one line)', async (_what, body) => {
    const env = setUp();
    const given = deadLetter('MalformedDeliveryMessage', 'not a step');
    const result = await recordBeforeDeadLettering(received(body), given, env.recorder);

    expect(result).toBe(given);
    expect(env.deliveries.methods()).toEqual([]);
  });

  it('still dead-letters when the write fails: the deadLetter function records it then', async () => {
    const env = setUp();
    env.deliveries.failNext('markFinished');
    const given = deadLetter('BadArgument', 'HTTP 400 BadArgument');

    const result = await recordBeforeDeadLettering(received(sendMessage()), given, env.recorder);

    expect(result.settlement).toBe(given.settlement);
    expect(result.outcome).toBeUndefined();
    expect(result.notes.join(' ')).toMatch(/could not record BadArgument before dead-lettering .*storage unavailable/);
    expect(env.deliveries.row(sendMessage())!.status).toBe('sending');
  });
});
