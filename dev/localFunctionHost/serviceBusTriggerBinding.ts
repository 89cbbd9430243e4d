import { type ServiceBusQueueFunctionOptions } from '@azure/functions';
import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { ensureError } from '../../shared/errors';
import { type ServiceBusTriggerActions, type ServiceBusTriggerContext } from '../../shared/queue/serviceBusTrigger';
import { type InProcessServiceBus, type Subscription } from '../inProcessServiceBus/inProcessServiceBus';
import { type HostJsonSettings } from './hostJsonSettings';
import { type HostLog } from './hostLog';
import { newInvocationContext } from './invocationContexts';

/** How long handlers already running may finish once the host is stopping. */
const closeGraceInMs = 5_000;

/** Where triggers are fed from: the in-process queue, or the one several processes share (dev/sharedQueue/). */
export type ServiceBusTriggerFeed = Pick<InProcessServiceBus, 'queuePath' | 'deadLetterQueuePath' | 'subscribe'>;

export interface ServiceBusTriggerBindingOptions {
  bus: ServiceBusTriggerFeed;
  functions: readonly { name: string; options: ServiceBusQueueFunctionOptions }[];
  serviceBus: HostJsonSettings['serviceBus'];
  /** App settings, for `%Name%` in a queue name as the Functions host resolves it. */
  env: Readonly<Record<string, string | undefined>>;
  log: HostLog;
}

export interface ServiceBusTriggerBindings {
  /** Entity path each function consumes. */
  readonly bound: readonly { functionName: string; queuePath: string; sessions: boolean; maxConcurrent: number }[];
  /** Stops feeding the functions and waits (briefly) for handlers that are running. */
  close(): Promise<void>;
}

/**
 * Feeds each Service Bus queue trigger from the in-process queue, as the Functions host's SDK binding does:
 * one `{ messages: [message], actions }` per call (`sdkBinding: true`), session-ordered when the trigger is
 * session-enabled, concurrency from host.json. A trigger the local host could not serve as Azure would
 * (another binding mode, a wrong entity, a session mismatch) stops start-up with the reason.
 */
export function bindServiceBusTriggers(options: ServiceBusTriggerBindingOptions): ServiceBusTriggerBindings {
  const running = new Set<Promise<void>>();
  const plans = options.functions.map((definition) => planBinding(definition, options));
  const subscriptions: Subscription[] = [];
  const bound: ServiceBusTriggerBindings['bound'][number][] = [];
  for (const plan of plans) {
    const handler = async (trigger: ServiceBusTriggerContext): Promise<void> => {
      const run = invoke(plan, trigger, options);
      running.add(run);
      try {
        await run;
      } finally {
        running.delete(run);
      }
    };
    subscriptions.push(
      options.bus.subscribe(plan.queuePath, handler, {
        maxConcurrentSessions: options.serviceBus.maxConcurrentSessions,
        sessionIdleTimeoutInMs: options.serviceBus.sessionIdleTimeoutInMs,
        maxConcurrentCalls: options.serviceBus.maxConcurrentCalls,
        onHandlerError: (error, message) => {
          options.log.write(
            'error',
            `  [${plan.functionName}] error: the handler threw (a bug), so message ${String(message.messageId)} is abandoned and redelivered up to maxDeliveryCount: ${error.stack ?? error.message}`,
          );
        },
      }),
    );
    bound.push({
      functionName: plan.functionName,
      queuePath: plan.queuePath,
      sessions: plan.sessions,
      maxConcurrent: plan.sessions ? options.serviceBus.maxConcurrentSessions : options.serviceBus.maxConcurrentCalls,
    });
  }
  return {
    bound,
    close: async () => {
      for (const subscription of subscriptions) subscription.close();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, closeGraceInMs);
      });
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(timer);
    },
  };
}

interface BindingPlan {
  functionName: string;
  options: ServiceBusQueueFunctionOptions;
  queuePath: string;
  sessions: boolean;
  autoComplete: boolean;
}

function planBinding(definition: { name: string; options: ServiceBusQueueFunctionOptions }, options: ServiceBusTriggerBindingOptions): BindingPlan {
  const { name, options: trigger } = definition;
  const cannot = (why: string): Error => new Error(`The local host cannot serve Service Bus trigger "${name}": ${why}`);
  const queuePath = resolveAppSettingReferences(trigger.queueName, options.env);
  const { bus } = options;
  if (queuePath !== bus.queuePath && queuePath !== bus.deadLetterQueuePath) {
    throw cannot(`queue "${queuePath}" is neither "${bus.queuePath}" nor "${bus.deadLetterQueuePath}", the entities the in-process queue has`);
  }
  if (trigger.sdkBinding !== true) throw cannot('only sdkBinding: true triggers (ServiceBusMessageContext with settlement actions) are served');
  const sessions = trigger.isSessionsEnabled === true;
  const entityHasSessions = queuePath === bus.queuePath;
  if (sessions !== entityHasSessions) {
    throw cannot(
      entityHasSessions
        ? `"${queuePath}" requires sessions, so the trigger needs isSessionsEnabled: true (Azure would refuse the receiver too)`
        : `"${queuePath}" has no sessions, so the trigger must not set isSessionsEnabled`,
    );
  }
  const autoComplete = trigger.autoCompleteMessages ?? options.serviceBus.autoCompleteMessages;
  return { functionName: name, options: trigger, queuePath, sessions, autoComplete };
}

async function invoke(plan: BindingPlan, trigger: ServiceBusTriggerContext, options: ServiceBusTriggerBindingOptions): Promise<void> {
  const messages = Array.isArray(trigger.messages) ? trigger.messages : [trigger.messages];
  const settled = new Set<ServiceBusReceivedMessage>();
  // Watches settlement so an unsettled message is completed (autoComplete) or reported, as the host would.
  const actions: ServiceBusTriggerActions = {
    complete: async (message) => {
      await trigger.actions.complete(message);
      settled.add(message);
    },
    abandon: async (message, properties) => {
      await trigger.actions.abandon(message, properties);
      settled.add(message);
    },
    deadletter: async (message, properties, reason, description) => {
      await trigger.actions.deadletter(message, properties, reason, description);
      settled.add(message);
    },
  };
  const first = messages[0];
  const context = newInvocationContext({
    functionName: plan.functionName,
    trigger: {
      type: 'serviceBusTrigger',
      name: 'message',
      queueName: plan.queuePath,
      connection: plan.options.connection,
      isSessionsEnabled: plan.sessions,
      cardinality: plan.options.cardinality ?? 'one',
      sdkBinding: true,
    },
    ...(first === undefined
      ? {}
      : {
          triggerMetadata: {
            messageId: first.messageId,
            sessionId: first.sessionId,
            deliveryCount: first.deliveryCount,
            enqueuedTimeUtc: first.enqueuedTimeUtc,
          },
        }),
    log: options.log,
  });
  await plan.options.handler({ messages: trigger.messages, actions } satisfies ServiceBusTriggerContext, context);
  for (const message of messages) {
    if (settled.has(message)) continue;
    if (plan.autoComplete) {
      await trigger.actions.complete(message).catch((thrown: unknown) => {
        options.log.write('warn', `  [${plan.functionName}] warn: auto-complete failed: ${ensureError(thrown).message}`);
      });
    } else {
      options.log.write(
        'warn',
        `  [${plan.functionName}] warn: returned without settling message ${String(message.messageId)}; it stays locked until its lock expires, then is redelivered`,
      );
    }
  }
}

/** `%Name%` → the app setting's value, as the Functions host expands binding expressions from settings. */
export function resolveAppSettingReferences(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/%([^%]+)%/g, (whole, name: string) => env[name] ?? whole);
}
