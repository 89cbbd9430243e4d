import { randomUUID } from 'node:crypto';

import { type FunctionTrigger, InvocationContext, type TriggerMetadata } from '@azure/functions';

import { functionLogHandler, type HostLog } from './hostLog';

export interface InvocationContextOptions {
  functionName: string;
  /** The trigger as the worker describes it to the function (`type`, `name` and the trigger's options). */
  trigger: FunctionTrigger;
  triggerMetadata?: TriggerMetadata;
  log: HostLog;
}

/**
 * One invocation's context, through the library's public constructor: a fresh invocation id, and log calls
 * that land in the local host's log tagged with the function name.
 */
export function newInvocationContext(options: InvocationContextOptions): InvocationContext {
  return new InvocationContext({
    functionName: options.functionName,
    invocationId: randomUUID(),
    logHandler: functionLogHandler(options.log, options.functionName),
    options: { trigger: options.trigger, extraInputs: [], extraOutputs: [] },
    ...(options.triggerMetadata === undefined ? {} : { triggerMetadata: options.triggerMetadata }),
  });
}
