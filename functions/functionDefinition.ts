import { type HttpFunctionOptions, type ServiceBusQueueFunctionOptions, type TimerFunctionOptions } from '@azure/functions';

/**
 * One function as both hosts see it: `functions/index.ts` registers it with `@azure/functions`, the local
 * host (dev/localHost.ts) serves it unchanged.
 */
export type GatewayFunctionDefinition =
  | { kind: 'http'; name: string; options: HttpFunctionOptions }
  | { kind: 'serviceBusQueue'; name: string; options: ServiceBusQueueFunctionOptions }
  | { kind: 'timer'; name: string; options: TimerFunctionOptions };
