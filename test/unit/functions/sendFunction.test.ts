import { InvocationContext } from '@azure/functions';
import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { deadLetterFunction, deadLetterHandler } from '../../../functions/deadLetter';
import { gatewayFunctions } from '../../../functions/gatewayFunctions';
import { sendFunction, sendHandler } from '../../../functions/send';
import { provideFromHost, resetGatewayServices } from '../../../shared/gatewayServices';
import { type ServiceBusTriggerActions } from '../../../shared/queue/serviceBusTrigger';

/**
 * The two Service Bus functions as the host registers them, and their settlement mapping for messages that
 * need no I/O (malformed bodies). The paths that touch storage and Teams run in test/integration/sending.
 */
const savedEnv = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, {
    MicrosoftAppId: '00000000-0000-4000-8000-0000000000b0',
    MicrosoftAppType: 'MultiTenant',
    MicrosoftAppPassword: 'not-a-secret',
    // Never contacted: a malformed message is settled before any storage call.
    TablesConnection: 'UseDevelopmentStorage=true',
  });
  delete process.env.ServiceBusConnection;
  delete process.env.ServiceBusConnection__fullyQualifiedNamespace;
});
beforeEach(() => {
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  provideFromHost({ deliveryQueue: { enqueue: async () => Promise.reject(new Error('nothing is enqueued here')) } });
});
afterEach(() => {
  jest.restoreAllMocks();
  resetGatewayServices();
});
afterAll(() => {
  process.env = { ...savedEnv };
});

function recordingActions(): ServiceBusTriggerActions & { calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string) =>
    async (...args: unknown[]): Promise<void> => {
      calls.push({ method, args });
      return Promise.resolve();
    };
  return { calls, complete: record('complete'), abandon: record('abandon'), deadletter: record('deadletter') };
}

function message(body: unknown, extra: Partial<ServiceBusReceivedMessage> = {}): ServiceBusReceivedMessage {
  return { body, messageId: 'm-1', deliveryCount: 0, applicationProperties: {}, state: 'active', _rawAmqpMessage: { body: null }, ...extra };
}

function context(): { context: InvocationContext; logs: { level: string; text: string }[] } {
  const logs: { level: string; text: string }[] = [];
  return { logs, context: new InvocationContext({ logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }) }) };
}

describe('function definitions', () => {
  it('registers send on the notifications queue with sessions and explicit settlement', () => {
    expect(sendFunction).toMatchObject({
      kind: 'serviceBusQueue',
      name: 'send',
      options: { connection: 'ServiceBusConnection', queueName: 'notifications', isSessionsEnabled: true, sdkBinding: true, autoCompleteMessages: false, cardinality: 'one' },
    });
  });

  it('registers deadLetter on the dead-letter queue, without sessions', () => {
    expect(deadLetterFunction).toMatchObject({
      kind: 'serviceBusQueue',
      name: 'deadLetter',
      options: { connection: 'ServiceBusConnection', queueName: 'notifications/$DeadLetterQueue', isSessionsEnabled: false, sdkBinding: true, autoCompleteMessages: false, cardinality: 'one' },
    });
  });

  it('both are in the one list of functions', () => {
    expect(gatewayFunctions).toEqual(expect.arrayContaining([sendFunction, deadLetterFunction]));
  });
});

describe('send handler', () => {
  it('dead-letters a malformed message through the binding actions, with that message', async () => {
    const actions = recordingActions();
    const received = message('{"not":"a delivery"}');
    await sendHandler({ messages: [received], actions }, context().context);
    expect(actions.calls).toHaveLength(1);
    expect(actions.calls[0]!.method).toBe('deadletter');
    const [settled, properties, reason, description] = actions.calls[0]!.args;
    expect(settled).toBe(received);
    expect(properties).toBeUndefined();
    expect(reason).toStrictEqual({ value: 'MalformedDeliveryMessage' });
    expect(description).toStrictEqual({ value: expect.stringMatching(/not a delivery/) });
  });

  it('refuses a trigger that is not a message context (sdkBinding off), with a coded error', async () => {
    await expect(sendHandler([{ body: 'x' }], context().context)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('deadLetter handler', () => {
  it('logs one structured line for a message that is not ours, then completes it', async () => {
    const actions = recordingActions();
    const { context: invocation, logs } = context();
    const received = message(Buffer.from('garbage'), { deadLetterReason: 'MaxDeliveryCountExceeded', deadLetterErrorDescription: 'crashed' });
    await deadLetterHandler({ messages: received, actions }, invocation);
    expect(actions.calls.map((c) => c.method)).toEqual(['complete']);
    const structured = logs.filter((l) => l.text.startsWith('{'));
    expect(structured).toHaveLength(1);
    expect(structured[0]!.level).toBe('warning');
    expect(JSON.parse(structured[0]!.text)).toMatchObject({ event: 'delivery', outcome: 'failed', code: 'MaxDeliveryCountExceeded', failureClass: 'exhausted', messageId: 'm-1' });
  });
});
