import { type Timer, type TimerFunctionOptions } from '@azure/functions';

import { ensureError } from '../../shared/errors';
import { type HostLog } from './hostLog';
import { newInvocationContext } from './invocationContexts';
import { parseNcrontab } from './ncrontab';

export interface TimerTriggerBindingOptions {
  functions: readonly { name: string; options: TimerFunctionOptions }[];
  log: HostLog;
  /**
   * Run every timer once right after start, as `runOnStartup` does (the definition's own `runOnStartup` is
   * honoured too). The local host asks for it when its queue starts empty, so a restart is caught up at once.
   */
  runAllOnStart?: boolean;
  now?: () => Date;
}

export interface TimerTriggerBindings {
  readonly bound: readonly { functionName: string; schedule: string }[];
  /** Stops scheduling and waits for runs in progress. */
  close(): Promise<void>;
}

/**
 * Runs each timer function on its NCRONTAB schedule, as the Functions host does: one run at a time per
 * function (the next occurrence is planned when a run ends, so runs never overlap), a run that throws is
 * logged and the schedule goes on. A schedule that does not parse stops start-up with the reason.
 */
export function bindTimerTriggers(options: TimerTriggerBindingOptions): TimerTriggerBindings {
  const now = options.now ?? ((): Date => new Date());
  const plans = options.functions.map((definition) => ({ definition, schedule: parseNcrontab(definition.options.schedule) }));
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  const run = async (plan: (typeof plans)[number], last: Date | undefined): Promise<void> => {
    const { definition, schedule } = plan;
    const started = now();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: (last ?? started).toISOString(), next: schedule.next(started).toISOString(), lastUpdated: started.toISOString() },
    };
    const context = newInvocationContext({
      functionName: definition.name,
      trigger: { type: 'timerTrigger', name: 'timer', schedule: schedule.text },
      log: options.log,
    });
    try {
      await definition.options.handler(timer, context);
    } catch (thrown) {
      const error = ensureError(thrown);
      options.log.write('error', `  [${definition.name}] error: the timer run threw; the next run is on schedule: ${error.stack ?? error.message}`);
    }
  };

  const track = (plan: (typeof plans)[number], last: Date | undefined): void => {
    if (closed) return;
    const done = run(plan, last).finally(() => {
      running.delete(done);
      planNext(plan, now());
    });
    running.add(done);
  };

  const planNext = (plan: (typeof plans)[number], last: Date): void => {
    if (closed) return;
    const at = plan.schedule.next(now());
    const timer = setTimeout(() => {
      timers.delete(timer);
      track(plan, last);
    }, Math.max(0, at.getTime() - now().getTime()));
    timers.add(timer);
  };

  for (const plan of plans) {
    if (options.runAllOnStart === true || plan.definition.options.runOnStartup === true) track(plan, undefined);
    else planNext(plan, now());
  }
  return {
    bound: plans.map((plan) => ({ functionName: plan.definition.name, schedule: plan.schedule.text })),
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
