import { type InvocationContext } from '@azure/functions';

import { runCallbackMessage } from '../shared/callbacks/callbackRunner';
import { callbackServicesOf } from '../shared/callbacks/callbackServices';
import { raiseCallbacksAfter } from '../shared/callbacks/callbackTriggers';
import { type GatewayServices, getGatewayServices } from '../shared/gatewayServices';
import { sendSpreadFor } from '../shared/notifications/copies/tenantSendSpread';
import { runFanOutStep } from '../shared/notifications/intake/tenantFanOut';
import { type MessageSettlement } from '../shared/queue/messageSettlement';
import { parseDeliveryBody } from '../shared/queue/serviceBusMessageShape';
import { toReceivedDeliveries } from '../shared/queue/serviceBusTrigger';
import { connectionSettingNames, queueNames } from '../shared/resourceNames';
import { deadLetterRecorderOf } from '../shared/sending/deadLetterRecorder';
import { logDeliveryOutcome } from '../shared/sending/deliveryOutcomeLog';
import { createDeliverySender, type DeliverySenderDependencies, type SettlementAction } from '../shared/sending/deliverySender';
import { recordBeforeDeadLettering } from '../shared/sending/recordBeforeDeadLettering';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * Service Bus trigger on `notifications` (sessions: one conversation's messages in order). Each message is
 * settled explicitly: completed (sent, skipped, rescheduled), or dead-lettered with a classified reason that
 * is recorded first (recordBeforeDeadLettering.ts). Only a crash (storage or queue down) or a failed
 * settlement throws, so the host abandons it and Service Bus redelivers.
 */
export async function sendHandler(trigger: unknown, context: InvocationContext): Promise<void> {
  const deliveries = toReceivedDeliveries(trigger);
  const services = await getGatewayServices();
  const sender = createDeliverySender(senderDependencies(services));
  const recorder = deadLetterRecorderOf(services);
  for (const { message, settlement } of deliveries) {
    let result;
    try {
      result = await recordBeforeDeadLettering(message, await sender.process(message), recorder);
    } catch (error) {
      context.error(`send: message ${message.messageId} (delivery ${message.deliveryCount + 1}) failed; Service Bus redelivers it`, error);
      throw error;
    }
    for (const note of result.notes) context.log(`send: ${note}`);
    // Before settling: a settlement that fails redelivers a message that then finds its work done, silently.
    if (result.outcome !== undefined) logDeliveryOutcome(context, result.outcome);
    const parsed = parseDeliveryBody(message);
    if (parsed.ok) for (const note of await raiseCallbacksAfter(parsed.delivery, result.outcome?.outcome, callbackServicesOf(services))) context.warn(`send: ${note}`);
    await settle(settlement, result.settlement);
  }
}

export function senderDependencies(services: GatewayServices): DeliverySenderDependencies {
  return {
    conversations: services.conversationStore,
    deliveries: services.notificationStore,
    connector: services.connector,
    queue: services.deliveryQueue,
    pacer: services.deliveryPacer,
    settings: services.config.delivery,
    gccServiceUrl: services.config.gccServiceUrl,
    now: services.now,
    ...(services.graphInstaller === undefined ? {} : { installer: services.graphInstaller }),
    runFanOutStep: async (message) =>
      runFanOutStep(message, {
        notifications: services.notificationStore,
        audience: services.tenantAudience,
        queue: services.deliveryQueue,
        now: services.now,
        spread: sendSpreadFor(services.config.delivery),
      }),
    runCallbackStep: async (message) => runCallbackMessage(message, callbackServicesOf(services)),
  };
}

async function settle(settlement: MessageSettlement, action: SettlementAction): Promise<void> {
  if (action.kind === 'deadLetter') await settlement.deadLetter(action.reason, action.description);
  else await settlement.complete();
}

export const sendFunction: GatewayFunctionDefinition = {
  kind: 'serviceBusQueue',
  name: 'send',
  options: {
    connection: connectionSettingNames.serviceBus,
    queueName: queueNames.notifications,
    isSessionsEnabled: true,
    // Settlement through the SDK binding's message actions (@azure/functions-extensions-servicebus).
    sdkBinding: true,
    autoCompleteMessages: false,
    cardinality: 'one',
    handler: sendHandler,
  },
};
