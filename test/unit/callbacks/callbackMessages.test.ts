import { callbackCheckBucketInMs, callbackCheckMessage, callbackEventMessage } from '../../../shared/callbacks/callbackMessages';
import { deliveryMessageSchema } from '../../../shared/queue/deliveryMessage';
import { toServiceBusMessage } from '../../../shared/queue/serviceBusMessageShape';

const now = new Date('2026-03-01T10:00:01.200Z');

describe('callback queue messages', () => {
  it('raise one check per notification and bucket: the same messageId within a bucket, a new one after', () => {
    const first = toServiceBusMessage(callbackCheckMessage('n-1', now), now);
    const sameBucket = toServiceBusMessage(callbackCheckMessage('n-1', new Date(now.getTime() + 3_000)), now);
    const nextBucket = toServiceBusMessage(callbackCheckMessage('n-1', new Date(now.getTime() + callbackCheckBucketInMs)), now);
    const other = toServiceBusMessage(callbackCheckMessage('n-2', now), now);
    expect(sameBucket.messageId).toBe(first.messageId);
    expect(nextBucket.messageId).not.toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
  });

  it('run a check after its bucket has ended, in the notification’s own callback session', () => {
    const queued = callbackCheckMessage('n-1', now);
    expect(queued.notBefore?.toISOString()).toBe('2026-03-01T10:00:06.000Z');
    expect(toServiceBusMessage(queued, now).sessionId).toBe('callback:n-1');
    expect(deliveryMessageSchema.parse(queued.body)).toMatchObject({ operation: 'callbackCheck', callbackCheck: { bucket: Math.floor(now.getTime() / callbackCheckBucketInMs) } });
  });

  it('give each attempt of an event its own messageId, and the same one when repeated', () => {
    const ids = [1, 2, 2].map((attempt) => toServiceBusMessage(callbackEventMessage('n-1', 'evt_a', attempt), now).messageId);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    expect(toServiceBusMessage(callbackEventMessage('n-1', 'evt_b', 1), now).messageId).not.toBe(ids[0]);
    expect(toServiceBusMessage(callbackEventMessage('n-1', 'evt_a', 2, new Date('2026-03-01T10:01:00Z')), now).scheduledEnqueueTimeUtc?.toISOString()).toBe('2026-03-01T10:01:00.000Z');
  });
});
