import { type GatewayConfig, loadConfig } from './config';
import { type DeliveryQueue } from './queue/deliveryQueue';

/**
 * The composition root: every function handler gets its adapters from here, built once per process from
 * the validated configuration. A host that supplies its own parts (the local host's in-process queue)
 * calls provideFromHost before serving; Azure never does, and then the Service Bus adapter is used.
 */
export interface HostProvidedParts {
  deliveryQueue?: DeliveryQueue;
  /** The clock of every decision; tests and the local host may pin it. */
  now?: () => Date;
}

export interface GatewayServices {
  config: GatewayConfig;
  now: () => Date;
  // Adapters (conversation store, notification store, delivery queue, connector client) are added here by
  // the work that builds them.
}

let hostParts: HostProvidedParts = {};
let services: Promise<GatewayServices> | undefined;

export function provideFromHost(parts: HostProvidedParts): void {
  hostParts = parts;
  services = undefined;
}

export async function getGatewayServices(): Promise<GatewayServices> {
  services ??= buildServices().catch((error: unknown) => {
    // A failed build (bad config, storage down) is retried on the next call instead of being cached.
    services = undefined;
    throw error;
  });
  return services;
}

async function buildServices(): Promise<GatewayServices> {
  const config = loadConfig(process.env);
  return Promise.resolve({ config, now: hostParts.now ?? (() => new Date()) });
}

/** For tests: forget built services (e.g. after changing process.env). */
export function resetGatewayServices(): void {
  services = undefined;
  hostParts = {};
}
