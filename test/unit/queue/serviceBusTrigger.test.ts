import { type ServiceBusMessageContext } from '@azure/functions-extensions-servicebus';
import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { maxDeadLetterTextLength, type ServiceBusTriggerActions, type ServiceBusTriggerContext, textOfSettlement, toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';

/** Records every settlement call with its exact arguments. */
function recordingActions(): ServiceBusTriggerActions & { calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string) =>
    (...args: unknown[]): Promise<void> => {
      calls.push({ method, args });
      return Promise.resolve();
    };
  return { calls, complete: record('complete'), abandon: record('abandon'), deadletter: record('deadletter') };
}

function received(overrides: Partial<ServiceBusReceivedMessage> = {}): ServiceBusReceivedMessage {
  return {
    body: { version: 1 },
    messageId: 'send-abc',
    sessionId: 'a:1chat',
    deliveryCount: 2,
    enqueuedTimeUtc: new Date('2026-03-01T10:00:00.000Z'),
    applicationProperties: { notificationId: 'n-1' },
    lockToken: 'lock-1',
    state: 'active',
    _rawAmqpMessage: { body: null },
    ...overrides,
  };
}

describe('toReceivedDeliveries', () => {
  it('accepts the SDK binding context type as it is (compile-time contract) and a single message', () => {
    const actions = recordingActions();
    const context: ServiceBusMessageContext = { messages: received(), actions } as unknown as ServiceBusMessageContext;
    const asOurs: ServiceBusTriggerContext = context;

    const deliveries = toReceivedDeliveries(asOurs);

    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.message).toStrictEqual({
      body: { version: 1 },
      messageId: 'send-abc',
      sessionId: 'a:1chat',
      deliveryCount: 2,
      enqueuedTimeUtc: new Date('2026-03-01T10:00:00.000Z'),
      applicationProperties: { notificationId: 'n-1' },
    });
  });

  it('settles through the actions object with the message it came with', async () => {
    const actions = recordingActions();
    const messages = [received({ lockToken: 'l-1' }), received({ lockToken: 'l-2' }), received({ lockToken: 'l-3' })];
    const [first, second, third] = toReceivedDeliveries({ messages, actions });

    await first!.settlement.complete();
    await second!.settlement.abandon();
    await third!.settlement.deadLetter('ConversationBlockedByUser', '403 User blocked the conversation with the bot.');

    expect(actions.calls).toStrictEqual([
      { method: 'complete', args: [messages[0]] },
      { method: 'abandon', args: [messages[1]] },
      // StringValues, as the host's Settlement service takes them (settlementContract.test.ts shows the wire).
      { method: 'deadletter', args: [messages[2], undefined, { value: 'ConversationBlockedByUser' }, { value: '403 User blocked the conversation with the bot.' }] },
    ]);
  });

  it('cuts a dead-letter reason and description to what Service Bus accepts', async () => {
    const actions = recordingActions();
    const [only] = toReceivedDeliveries({ messages: [received()], actions });

    await only!.settlement.deadLetter('R'.repeat(5000), 'D'.repeat(5000));

    const args = actions.calls[0]!.args as [unknown, unknown, { value: string }, { value: string }];
    expect(args[2].value).toHaveLength(maxDeadLetterTextLength);
    expect(args[3].value).toHaveLength(maxDeadLetterTextLength);
  });

  it.each([
    ['the message fields', { deadLetterReason: 'MaxDeliveryCountExceeded', deadLetterErrorDescription: 'after 10 attempts' }, {}],
    ['the broker application properties', {}, { DeadLetterReason: 'TTLExpiredException', DeadLetterErrorDescription: 'The message expired and was dead lettered.' }],
    ['camel-cased application properties', {}, { deadLetterReason: 'RetriesExhausted', deadLetterErrorDescription: '8 attempts' }],
  ])('reads the dead-letter reason from %s', (_where, fields, properties) => {
    const [only] = toReceivedDeliveries({ messages: received({ ...fields, applicationProperties: properties }), actions: recordingActions() });
    const expected = { ...fields, ...properties } as Record<string, string>;

    expect(only!.message.deadLetterReason).toBe(expected.deadLetterReason ?? expected.DeadLetterReason);
    expect(only!.message.deadLetterErrorDescription).toBe(expected.deadLetterErrorDescription ?? expected.DeadLetterErrorDescription);
  });

  it('turns numeric and binary message ids into text, and a missing one into empty text', () => {
    const actions = recordingActions();
    const ids = toReceivedDeliveries({
      messages: [received({ messageId: 42 }), received({ messageId: Buffer.from('bin-id') }), received({ messageId: undefined })],
      actions,
    }).map((d) => d.message.messageId);

    expect(ids).toStrictEqual(['42', 'bin-id', '']);
  });

  it('takes the enqueued time from the raw AMQP annotation when the binding left the field empty', () => {
    const annotated = new Date('2026-03-01T09:59:58.000Z');
    const messages = [
      received({ enqueuedTimeUtc: undefined, _rawAmqpMessage: { body: null, messageAnnotations: { 'x-opt-enqueued-time': annotated } } }),
      received({ enqueuedTimeUtc: undefined, _rawAmqpMessage: { body: null, messageAnnotations: { 'x-opt-enqueued-time': 'not a time' } } }),
    ];

    const [recovered, unreadable] = toReceivedDeliveries({ messages, actions: recordingActions() });

    expect(recovered!.message.enqueuedTimeUtc).toStrictEqual(annotated);
    expect(unreadable!.message).not.toHaveProperty('enqueuedTimeUtc');
  });

  it.each([
    ['a StringValue', { value: 'RetriesExhausted' }, 'RetriesExhausted'],
    ['a plain string', 'RetriesExhausted', 'RetriesExhausted'],
    ['nothing', undefined, undefined],
  ])('reads a settlement text given as %s', (_form, text, expected) => {
    expect(textOfSettlement(text)).toBe(expected);
  });

  it.each([
    ['a plain body (sdkBinding off)', { version: 1 }],
    ['nothing', undefined],
    ['a context without settlement actions', { messages: [], actions: {} }],
  ])('refuses %s as a registration fault', (_what, trigger) => {
    expect(() => toReceivedDeliveries(trigger)).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('sdkBinding') }));
  });
});
