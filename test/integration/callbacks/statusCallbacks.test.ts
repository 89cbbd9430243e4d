/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the emulator and the API, read field by field in tests. */
import { localCallbackSettings } from '../../../dev/devCallbacks';
import { maxCallbackAttempts } from '../../../shared/callbacks/callbackRetry';
import { type DeliveryRig, newTenantId, uniqueText, useDeliveryRig } from '../sending/deliveryRig';

/**
 * Status callbacks through the deployed path: the notifications, send and deadLetter handlers, the
 * in-process Service Bus and the Teams emulator, whose `/callbacks/{name}` receiver checks every signature.
 * A notification with a callback reaches its final state → its receiver gets exactly one signed POST; a
 * failing receiver is retried through the queue with every attempt in the status, and deliveries never wait.
 */
let rig: DeliveryRig;
beforeAll(() => {
  // The local host's settings: receivers on this machine, the development secret the emulator knows.
  Object.assign(process.env, localCallbackSettings());
});
useDeliveryRig({ maxAttempts: 2 }, (started) => {
  rig = started;
  // Retries a few dozen milliseconds apart instead of 30 s (the schedule itself is a unit test).
  if (rig.services.config.callbacks !== undefined) rig.services.config.callbacks.retryBaseInMs = 40;
});

const receiver = (name: string): string => `https://127.0.0.1:${rig.emulator.port}/callbacks/${name}`;

async function arrivals(name: string): Promise<any[]> {
  return ((await rig.control('GET', `/callbacks?name=${name}`)) as { callbacks: any[] }).callbacks;
}

async function notifyWithCallback(conversationIds: string[], callback: Record<string, unknown>): Promise<string> {
  const accepted = await rig.notify({ targets: conversationIds.map((conversationId) => ({ conversationId })), message: { text: uniqueText('Export finished') }, callback });
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

describe('a notification with a callback', () => {
  it('POSTs one signed notification.final when it completes, and shows it delivered in the status', async () => {
    const chats = [await rig.install({ tenantId: newTenantId() }), await rig.install({ tenantId: newTenantId() })];
    const id = await notifyWithCallback(
      chats.map((chat) => chat.conversationId),
      { url: receiver('final') },
    );
    await rig.settle();

    const received = await arrivals('final');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ signatureValid: true, answeredWith: 200, body: { type: 'notification.final', notificationId: id, status: 'completed', counts: { sent: 2, queued: 0 } } });
    expect(received[0].eventId).toBe(received[0].body.eventId);

    const status = await rig.status(id);
    expect(status.body.callback).toEqual({
      url: receiver('final'),
      deliveryFailures: false,
      events: [{ eventId: received[0].eventId, type: 'notification.final', state: 'delivered', attempts: [expect.objectContaining({ outcome: 'delivered', status: 200 })] }],
    });
  });

  it('retries a receiver answering 500 twice, then 200: three attempts in the status, deliveries unaffected', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/callbacks/answers', { name: 'flaky', answers: [500, 500] });
    const id = await notifyWithCallback([chat.conversationId], { url: receiver('flaky') });
    await rig.settle();

    expect((await arrivals('flaky')).map((arrival) => arrival.answeredWith)).toEqual([500, 500, 200]);
    const status = await rig.status(id);
    expect(status.body.status).toBe('completed');
    expect(status.body.deliveries).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    const [event] = status.body.callback.events;
    expect(event.state).toBe('delivered');
    expect(event.attempts.map((attempt: any) => [attempt.outcome, attempt.status])).toEqual([
      ['retry', 500],
      ['retry', 500],
      ['delivered', 200],
    ]);
    expect(rig.handlerErrors).toEqual([]);
  });

  it('gives up after the last attempt when the receiver never answers, and the deliveries stay as they are', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/callbacks/answers', { name: 'down', answers: Array.from({ length: maxCallbackAttempts }, () => 'reset') });
    const id = await notifyWithCallback([chat.conversationId], { url: receiver('down') });
    await rig.settle();

    expect(await arrivals('down')).toHaveLength(maxCallbackAttempts);
    const status = await rig.status(id);
    const [event] = status.body.callback.events;
    expect(event.state).toBe('failed');
    expect(event.attempts).toHaveLength(maxCallbackAttempts);
    expect(event.attempts.map((attempt: any) => attempt.outcome)).toEqual([...Array.from({ length: maxCallbackAttempts - 1 }, () => 'retry'), 'failed']);
    expect(event.attempts.every((attempt: any) => attempt.status === undefined && typeof attempt.code === 'string')).toBe(true);
    expect(status.body).toMatchObject({ status: 'completed', deliveries: [expect.objectContaining({ status: 'sent', attempts: 1 })] });
  });

  it('ends the event failed after a final answer, without touching the deliveries', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/callbacks/answers', { name: 'gone', answers: [410] });
    const id = await notifyWithCallback([chat.conversationId], { url: receiver('gone') });
    await rig.settle();

    expect(await arrivals('gone')).toHaveLength(1);
    const status = await rig.status(id);
    expect(status.body.callback.events).toEqual([expect.objectContaining({ state: 'failed', attempts: [expect.objectContaining({ outcome: 'failed', status: 410, code: 'HTTP_410' })] })]);
    expect(status.body.deliveries).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  it('with deliveryFailures, POSTs one delivery.failed per failed delivery and then the final state', async () => {
    const tenantId = newTenantId();
    const [good, blocked] = [await rig.install({ tenantId }), await rig.install({ tenantId })];
    await rig.control('POST', `/conversations/${encodeURIComponent(blocked.conversationId)}/block`);
    const id = await notifyWithCallback([good.conversationId, blocked.conversationId], { url: receiver('failures'), deliveryFailures: true });
    await rig.settle();

    const received = await arrivals('failures');
    const failed = received.filter((arrival) => arrival.body.type === 'delivery.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      signatureValid: true,
      body: { notificationId: id, status: 'failed', delivery: { conversationId: blocked.conversationId, error: { code: 'ConversationBlockedByUser' } } },
    });
    expect(received.filter((arrival) => arrival.body.type === 'notification.final')).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ status: 'completedWithFailures' }) }),
    ]);
  });

  it('reports a notification whose every target was skipped at intake', async () => {
    const id = await notifyWithCallback(['a:never-stored-conversation'], { url: receiver('skipped') });
    await rig.settle();
    expect(await arrivals('skipped')).toEqual([expect.objectContaining({ body: expect.objectContaining({ notificationId: id, status: 'failed', counts: expect.objectContaining({ skipped: 1 }) }) })]);
  });

  it('is refused with a 400 naming callback.url when the URL is not https', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    const refused = await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { text: 'x' }, callback: { url: `http://127.0.0.1:${rig.emulator.port}/callbacks/x` } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'callback.url' })]);
  });
});
