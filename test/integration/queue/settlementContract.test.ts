import { ResourceFactoryResolver } from '@azure/functions-extensions-base';
import * as grpc from '@grpc/grpc-js';
import { types as amqpTypes } from 'rhea';

import { registerServiceBusBindingOnFirstUse } from '../../../functions/serviceBusBinding';
import { parseDeliveryBody } from '../../../shared/queue/serviceBusMessageShape';
import { type ReceivedDelivery, toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { hostBindingData, type HostMessage } from './hostBindingData';
import { type SettlementServer, startSettlementServer } from './settlementServer';

/**
 * The Service Bus boundary as the Functions host drives it, with the real @azure/functions-extensions-servicebus:
 * the worker gets the host's gRPC address from its command line (`--host`, `--port`,
 * `--functions-grpc-max-message-length`, read once by the package's ServiceBusMessageActions), the trigger's
 * ModelBindingData goes through the factory the package registers (what @azure/functions does for an
 * `sdkBinding` trigger), and settlement calls cross real gRPC to a `Settlement` server built from the
 * package's own proto. What the server decoded is what the host would act on.
 */
let server: SettlementServer;
const originalArgv = process.argv;

beforeAll(async () => {
  // 0.2.0-preview starts decoding inside the delivery annotations, and rhea warns about the value it skips;
  // a refused settlement is logged by the package. Both are its noise, not the test's.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  server = await startSettlementServer();
  process.argv = [...originalArgv, '--host', '127.0.0.1', '--port', String(server.port), '--functions-grpc-max-message-length', String(4 * 1024 * 1024)];
  // As the app's entry point does: a stand-in that imports the package on the first trigger and hands over to
  // the factory it registers, so every trigger below goes through that hand-over.
  registerServiceBusBindingOnFirstUse();
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.argv = originalArgv;
  await server.close();
});

beforeEach(() => {
  server.reset();
});

const enqueuedTime = new Date('2026-12-03T10:00:00.000Z');
const delivery = { version: 1, notificationId: 'n-1', conversationId: 'a:1chat', operation: 'send', attempt: 1, activity: { type: 'message', text: 'hi' } };

function hostMessage(overrides: Partial<HostMessage> = {}): HostMessage {
  return {
    body: { data: Buffer.from(JSON.stringify(delivery)) },
    contentType: 'application/json',
    messageId: 'send-n-1-a:1chat-1',
    sessionId: 'a:1chat',
    deliveryCount: 3,
    enqueuedTime,
    sequenceNumber: 42,
    applicationProperties: { notificationId: 'n-1', operation: 'send', attempt: 1 },
    ...overrides,
  };
}

/** The trigger as the handler receives it, through the package and our adapter. */
function triggerFor(message: HostMessage): { deliveries: ReceivedDelivery[]; lockToken: string } {
  const data = hostBindingData(message);
  const trigger = ResourceFactoryResolver.getInstance().createClient(data.source, data);
  return { deliveries: toReceivedDeliveries(trigger), lockToken: data.lockToken };
}

function only(message: HostMessage = hostMessage()): { delivery: ReceivedDelivery; lockToken: string } {
  const { deliveries, lockToken } = triggerFor(message);
  expect(deliveries).toHaveLength(1);
  return { delivery: deliveries[0]!, lockToken };
}

describe('Service Bus trigger through @azure/functions-extensions-servicebus', () => {
  it('hands the handler the message fields the gateway reads', () => {
    const { delivery: received } = only();

    expect(received.message).toStrictEqual({
      body: delivery,
      messageId: 'send-n-1-a:1chat-1',
      sessionId: 'a:1chat',
      // 0.2.0-preview decodes only what follows the lock-token marker, so the AMQP header (delivery-count)
      // is lost and every message reads 0 (fixed upstream in 0.3.1-preview). The gateway only logs it.
      deliveryCount: 0,
      // A Date in the AMQP annotation, which 0.2.0-preview drops; the adapter reads the raw annotation.
      enqueuedTimeUtc: enqueuedTime,
      applicationProperties: { notificationId: 'n-1', operation: 'send', attempt: 1 },
    });
  });

  it.each([
    ['JSON (application/json)', { body: { data: Buffer.from(JSON.stringify(delivery)) }, contentType: 'application/json' }, 'object'],
    ['text (no content type)', { body: { data: Buffer.from(JSON.stringify(delivery)) }, contentType: undefined }, 'string'],
    ['text (text/plain)', { body: { data: Buffer.from(JSON.stringify(delivery)) }, contentType: 'text/plain' }, 'string'],
    ['bytes (an amqp-value binary body)', { body: { value: amqpTypes.wrap_binary(Buffer.from(JSON.stringify(delivery))) }, contentType: undefined }, 'buffer'],
  ] as const)('reads a delivery from a %s body', (_kind, overrides, form) => {
    const { delivery: received } = only(hostMessage(overrides));
    const body = received.message.body;

    expect(form === 'buffer' ? Buffer.isBuffer(body) : typeof body).toBe(form === 'buffer' ? true : form);
    expect(parseDeliveryBody(received.message)).toStrictEqual({ ok: true, delivery: expect.objectContaining({ notificationId: 'n-1', conversationId: 'a:1chat' }) });
  });
});

describe('settlement over the host gRPC Settlement service', () => {
  it('completes with the lock token the host issued', async () => {
    const { delivery: received, lockToken } = only();

    await received.settlement.complete();

    expect(server.calls).toStrictEqual([{ method: 'complete', request: { locktoken: lockToken } }]);
  });

  it('dead-letters with the reason AND the description as StringValues', async () => {
    const { delivery: received, lockToken } = only();

    await received.settlement.deadLetter('RetriesExhausted', 'HTTP 503 ServiceError after 8 attempts; seenAt=2026-12-03T10:00:05.000Z');

    expect(server.calls).toStrictEqual([
      {
        method: 'deadletter',
        request: {
          locktoken: lockToken,
          propertiesToModify: Buffer.alloc(0),
          deadletterReason: { value: 'RetriesExhausted' },
          deadletterErrorDescription: { value: 'HTTP 503 ServiceError after 8 attempts; seenAt=2026-12-03T10:00:05.000Z' },
        },
      },
    ]);
  });

  it('cuts dead-letter texts to what Service Bus keeps', async () => {
    const { delivery: received } = only();

    await received.settlement.deadLetter('R'.repeat(5000), 'D'.repeat(5000));

    const request = server.calls[0]!.request as { deadletterReason: { value: string }; deadletterErrorDescription: { value: string } };
    expect(request.deadletterReason.value).toBe('R'.repeat(4096));
    expect(request.deadletterErrorDescription.value).toBe('D'.repeat(4096));
  });

  it('abandons with the lock token and no property changes', async () => {
    const { delivery: received, lockToken } = only();

    await received.settlement.abandon();

    expect(server.calls).toStrictEqual([{ method: 'abandon', request: { locktoken: lockToken, propertiesToModify: Buffer.alloc(0) } }]);
  });

  it('rejects when the host refuses a settlement, so the handler can tell it did not happen', async () => {
    const { delivery: received } = only();
    server.refuse('complete', grpc.status.UNAVAILABLE);

    await expect(received.settlement.complete()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});
