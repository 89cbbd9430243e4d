import { type InvocationContext, type ServiceBusQueueFunctionOptions } from '@azure/functions';

import { InProcessServiceBus } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { parseHostJsonSettings } from '../../../dev/localFunctionHost/hostJsonSettings';
import { type HostLog, type HostLogLevel } from '../../../dev/localFunctionHost/hostLog';
import { bindServiceBusTriggers, resolveAppSettingReferences, type ServiceBusTriggerBindings } from '../../../dev/localFunctionHost/serviceBusTriggerBinding';
import { notificationsQueueSettings } from '../../../shared/queue/notificationsQueueSettings';
import { toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { deadLetterQueuePath, queueNames } from '../../../shared/resourceNames';

function recordingLog(): HostLog & { lines: [HostLogLevel, string][] } {
  const lines: [HostLogLevel, string][] = [];
  return { lines, write: (level, text) => lines.push([level, text]) };
}

const serviceBus = parseHostJsonSettings({ extensions: { serviceBus: { maxConcurrentSessions: 4, autoCompleteMessages: false } } }).serviceBus;
type Handler = ServiceBusQueueFunctionOptions['handler'];
const sendOptions = (handler: Handler, overrides: Partial<ServiceBusQueueFunctionOptions> = {}): ServiceBusQueueFunctionOptions => ({
  connection: 'ServiceBusConnection',
  queueName: queueNames.notifications,
  isSessionsEnabled: true,
  sdkBinding: true,
  handler,
  ...overrides,
});
const message = (id: string, sessionId: string) => ({ messageId: id, sessionId, body: { id }, contentType: 'application/json' });

describe('Service Bus triggers on the in-process queue', () => {
  let bus: InProcessServiceBus;
  let bindings: ServiceBusTriggerBindings | undefined;
  const log = recordingLog();

  beforeEach(() => {
    bus = new InProcessServiceBus(notificationsQueueSettings);
    bindings = undefined;
    log.lines.length = 0;
  });
  afterEach(async () => {
    await bindings?.close();
    await bus.close();
  });

  const bind = (functions: { name: string; options: ServiceBusQueueFunctionOptions }[], env: Record<string, string> = {}) => {
    bindings = bindServiceBusTriggers({ bus, functions, serviceBus, env, log });
    return bindings;
  };

  it('hands each message as the SDK binding does, with a context that logs as the function, in session order', async () => {
    const seen: { id: unknown; functionName: string; sessionId: unknown }[] = [];
    const handler: Handler = async (trigger, context: InvocationContext) => {
      for (const delivery of toReceivedDeliveries(trigger)) {
        seen.push({ id: (delivery.message.body as { id: unknown }).id, functionName: context.functionName, sessionId: context.triggerMetadata?.sessionId });
        context.log(`settled ${String(delivery.message.messageId)}`);
        await delivery.settlement.complete();
      }
    };
    const bound = bind([{ name: 'send', options: sendOptions(handler) }]);
    expect(bound.bound).toEqual([{ functionName: 'send', queuePath: queueNames.notifications, sessions: true, maxConcurrent: 4 }]);

    await bus.sendMessages([message('a1', 'A'), message('b1', 'B'), message('a2', 'A'), message('a3', 'A')]);
    await bus.waitForIdle();

    expect(seen.filter((s) => s.sessionId === 'A').map((s) => s.id)).toEqual(['a1', 'a2', 'a3']);
    expect(seen).toHaveLength(4);
    expect(seen.every((s) => s.functionName === 'send')).toBe(true);
    expect(log.lines).toContainEqual(['info', '  [send] settled a2']);
    expect(bus.getCounts().totals.completed).toBe(4);
  });

  it('feeds the dead-letter trigger with the reason the send function gave', async () => {
    const reasons: unknown[] = [];
    const deadLetter: Handler = async (trigger) => {
      for (const delivery of toReceivedDeliveries(trigger)) {
        reasons.push(delivery.message.deadLetterReason);
        await delivery.settlement.complete();
      }
    };
    const send: Handler = async (trigger) => {
      for (const delivery of toReceivedDeliveries(trigger)) await delivery.settlement.deadLetter('ConversationNotFound', 'gone');
    };
    bind([
      { name: 'send', options: sendOptions(send) },
      { name: 'deadLetter', options: sendOptions(deadLetter, { queueName: deadLetterQueuePath, isSessionsEnabled: false }) },
    ]);
    await bus.sendMessages([message('m1', 'A')]);
    await bus.waitForIdle();
    expect(reasons).toEqual(['ConversationNotFound']);
  });

  it('completes an unsettled message when autoCompleteMessages is on, and reports it when off', async () => {
    bind([{ name: 'lazy', options: sendOptions(() => Promise.resolve(), { autoCompleteMessages: true }) }]);
    await bus.sendMessages([message('m1', 'A')]);
    await bus.waitForIdle();
    expect(bus.getCounts().totals.completed).toBe(1);
    await bindings?.close();

    const other = new InProcessServiceBus(notificationsQueueSettings);
    const otherBindings = bindServiceBusTriggers({ bus: other, functions: [{ name: 'forgetful', options: sendOptions(() => Promise.resolve()) }], serviceBus, env: {}, log });
    await other.sendMessages([message('m2', 'A')]);
    // Handler returned, message still locked: the queue is not idle, so wait for the warning instead.
    await new Promise<void>((resolve) => {
      const check = (): void => (log.lines.some(([, text]) => text.includes('[forgetful] warn: returned without settling message m2')) ? resolve() : void setImmediate(check));
      check();
    });
    expect(other.getCounts().totals.completed).toBe(0);
    await otherBindings.close();
    await other.close();
  });

  it('logs a throwing handler as an error; the message is abandoned and redelivered', async () => {
    let calls = 0;
    bind([
      {
        name: 'flaky',
        options: sendOptions(async (trigger) => {
          calls++;
          if (calls === 1) throw new Error('crash');
          for (const delivery of toReceivedDeliveries(trigger)) await delivery.settlement.complete();
        }),
      },
    ]);
    await bus.sendMessages([message('m1', 'A')]);
    await bus.waitForIdle();
    expect(calls).toBe(2);
    expect(bus.getCounts().totals).toMatchObject({ abandoned: 1, completed: 1 });
    expect(log.lines.some(([level, text]) => level === 'error' && text.includes('[flaky]') && text.includes('Error: crash'))).toBe(true);
  });

  it('resolves %AppSetting% in a queue name', () => {
    expect(resolveAppSettingReferences('%QueueName%', { QueueName: 'notifications' })).toBe('notifications');
    expect(resolveAppSettingReferences('%Missing%', {})).toBe('%Missing%');
    expect(bind([{ name: 'send', options: sendOptions(() => Promise.resolve(), { queueName: '%Q%' }) }], { Q: 'notifications' }).bound[0]?.queuePath).toBe('notifications');
  });

  it.each([
    ['another queue', { queueName: 'other' }, /neither "notifications" nor/],
    ['no SDK binding', { sdkBinding: false }, /sdkBinding: true/],
    ['sessions off on the session queue', { isSessionsEnabled: false }, /requires sessions/],
    ['sessions on the dead-letter queue', { queueName: deadLetterQueuePath }, /has no sessions/],
  ])('refuses a trigger it could not serve as Azure would: %s', (_name, overrides, reason) => {
    expect(() => bind([{ name: 'x', options: sendOptions(() => Promise.resolve(), overrides) }])).toThrow(reason);
  });
});
