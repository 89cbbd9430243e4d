import { setTimeout as sleepFor } from 'node:timers/promises';

import { type DeliverySettings } from '../config';
import { type BotConnectorClient } from '../connector/botConnectorClient';
import { type DeliveryPacer } from '../delivery/deliveryPacer';
import { type GraphInstallClient } from '../graph/graphInstallClient';
import { type GraphInstallPacer } from '../graph/graphInstallPacer';
import { type DeliveryStatusStore } from '../notifications/store/notificationStore';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type DeliveryQueue } from '../queue/deliveryQueue';
import { type ConversationStore } from '../store/conversationStore';

export interface DeliverySenderDependencies {
  conversations: Pick<ConversationStore, 'get' | 'findPersonal' | 'findTeamChannel' | 'listByTeam' | 'listByTenant' | 'setServiceUrlOverride'>;
  deliveries: DeliveryStatusStore;
  connector: BotConnectorClient;
  queue: DeliveryQueue;
  pacer: DeliveryPacer;
  settings: Pick<DeliverySettings, 'maxAttempts' | 'backoffBaseInMs' | 'backoffMaxInMs'>;
  gccServiceUrl: string;
  now: () => Date;
  random?: () => number;
  sleep?: (delayInMs: number) => Promise<void>;
  /**
   * Longest pacing wait spent inside one invocation (default 1 s, well inside the 60 s lock even with a
   * 20 s request after it); a longer wait reschedules a copy and frees the session.
   */
  maxPacingWaitInMs?: number;
  /** Present when proactive installation is on: installs the app for a user the bot cannot reach yet. */
  installer?: { client: GraphInstallClient; pacer: GraphInstallPacer };
  /** Runs one step of a tenant broadcast (notifications/intake/tenantFanOut.ts runFanOutStep, bound to its services). */
  runFanOutStep?: (message: DeliveryMessage) => Promise<{ outcome: string }>;
  /** Runs a status-callback check or POST (callbacks/callbackStep.ts, bound to its services); returns a note. */
  runCallbackStep?: (message: DeliveryMessage) => Promise<string>;
}

/** The dependencies with their defaults filled in: what every step of the sender works with. */
export type SenderRuntime = Omit<DeliverySenderDependencies, 'random' | 'sleep' | 'maxPacingWaitInMs'> & {
  random: () => number;
  sleep: (delayInMs: number) => Promise<void>;
  maxPacingWaitInMs: number;
};

/** Longest pacing wait spent inside an invocation; a later slot is waited for on the queue instead. */
const defaultMaxPacingWaitInMs = 1_000;

export function senderRuntime(deps: DeliverySenderDependencies): SenderRuntime {
  return {
    ...deps,
    random: deps.random ?? Math.random,
    sleep: deps.sleep ?? (async (delayInMs: number): Promise<void> => sleepFor(delayInMs)),
    maxPacingWaitInMs: deps.maxPacingWaitInMs ?? defaultMaxPacingWaitInMs,
  };
}
