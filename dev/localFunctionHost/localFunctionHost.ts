import { type HttpFunctionOptions, type ServiceBusQueueFunctionOptions, type TimerFunctionOptions } from '@azure/functions';

import { type GatewayFunctionDefinition } from '../../functions/functionDefinition';
import { type HostJsonSettings } from './hostJsonSettings';
import { type HostLog } from './hostLog';
import { type LocalHttpRequest, type LocalHttpResponse } from './httpAdapter';
import { createHttpDispatcher } from './httpDispatcher';
import { startHttpFunctionServer } from './httpFunctionServer';
import { HttpRouteTable } from './httpRouteTable';
import { bindServiceBusTriggers, type ServiceBusTriggerBindings, type ServiceBusTriggerFeed } from './serviceBusTriggerBinding';
import { bindTimerTriggers, type TimerTriggerBindings } from './timerTriggerBinding';

export interface LocalFunctionHostOptions {
  /** The one list functions/index.ts registers with @azure/functions, unchanged. */
  definitions: readonly GatewayFunctionDefinition[];
  port: number;
  hostJson: HostJsonSettings;
  /** Feeds the Service Bus triggers; absent when a real Service Bus is configured (then `func start` runs them). */
  bus: ServiceBusTriggerFeed | undefined;
  env: Readonly<Record<string, string | undefined>>;
  log: HostLog;
  outsidePrefix?: (request: LocalHttpRequest) => Promise<LocalHttpResponse | undefined>;
  /** Run timer functions once at start (see TimerTriggerBindingOptions.runAllOnStart). */
  runTimersOnStart?: boolean;
}

export interface LocalFunctionHost {
  url: string;
  port: number;
  /** `METHOD /api/route` per HTTP function, for the banner. */
  httpRoutes: readonly { functionName: string; methods: readonly string[]; path: string }[];
  /** Service Bus functions and the entity each consumes; empty when they are not served here. */
  triggers: ServiceBusTriggerBindings['bound'];
  /** Service Bus functions not served because the queue is not in process. */
  unservedTriggers: readonly string[];
  /** Timer functions and their schedules. */
  timers: TimerTriggerBindings['bound'];
  close(): Promise<void>;
}

/**
 * Serves the gateway's function definitions the way the Functions host does: HTTP functions on `port` under
 * the route prefix, Service Bus functions fed from the in-process queue.
 */
export async function startLocalFunctionHost(options: LocalFunctionHostOptions): Promise<LocalFunctionHost> {
  const { http, serviceBus, timer } = splitDefinitions(options.definitions);
  const prefix = options.hostJson.routePrefix.replace(/^\/+|\/+$/g, '');
  const table = new HttpRouteTable(http);
  const triggers =
    options.bus === undefined
      ? undefined
      : bindServiceBusTriggers({ bus: options.bus, functions: serviceBus, serviceBus: options.hostJson.serviceBus, env: options.env, log: options.log });
  // Validated with the rest of the configuration before the host starts; a tunnel's host is answered too.
  const publicBaseUrl = URL.canParse(options.env.PublicBaseUrl ?? '') ? options.env.PublicBaseUrl : undefined;
  let server;
  try {
    server = await startHttpFunctionServer({
      port: options.port,
      log: options.log,
      ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }),
      dispatcher: createHttpDispatcher({
        functions: http,
        routePrefix: prefix,
        log: options.log,
        ...(options.outsidePrefix === undefined ? {} : { outsidePrefix: options.outsidePrefix }),
      }),
    });
  } catch (error) {
    await triggers?.close();
    throw error;
  }
  const httpServer = server;
  // Last, so a run at start finds the queue triggers fed and the HTTP functions served.
  const timers = bindTimerTriggers({ functions: timer, log: options.log, ...(options.runTimersOnStart === undefined ? {} : { runAllOnStart: options.runTimersOnStart }) });
  return {
    url: httpServer.url,
    port: httpServer.port,
    httpRoutes: table.routes.map((route) => ({
      functionName: route.functionName,
      methods: route.methods,
      path: `/${[prefix, route.template.text].filter((part) => part !== '').join('/')}`,
    })),
    triggers: triggers?.bound ?? [],
    unservedTriggers: triggers === undefined ? serviceBus.map((definition) => definition.name) : [],
    timers: timers.bound,
    close: async () => {
      // Stop taking requests and timer runs first, then let running handlers settle their messages.
      await httpServer.close();
      await timers.close();
      await triggers?.close();
    },
  };
}

/** Splits the list by trigger kind, refusing what the local host could not serve as Azure would. */
function splitDefinitions(definitions: readonly GatewayFunctionDefinition[]): {
  http: { name: string; options: HttpFunctionOptions }[];
  serviceBus: { name: string; options: ServiceBusQueueFunctionOptions }[];
  timer: { name: string; options: TimerFunctionOptions }[];
} {
  const http: { name: string; options: HttpFunctionOptions }[] = [];
  const serviceBus: { name: string; options: ServiceBusQueueFunctionOptions }[] = [];
  const timer: { name: string; options: TimerFunctionOptions }[] = [];
  const names = new Set<string>();
  for (const definition of definitions) {
    if (names.has(definition.name.toLowerCase())) throw new Error(`Two functions are named "${definition.name}" (Azure refuses that too)`);
    names.add(definition.name.toLowerCase());
    const { extraInputs, extraOutputs } = definition.options;
    if ((extraInputs?.length ?? 0) > 0 || (extraOutputs?.length ?? 0) > 0) {
      throw new Error(`Function "${definition.name}" uses extra input/output bindings; the gateway uses SDK clients instead, and the local host serves none`);
    }
    if (definition.kind === 'http') http.push(definition);
    else if (definition.kind === 'timer') timer.push(definition);
    else serviceBus.push(definition);
  }
  return { http, serviceBus, timer };
}
