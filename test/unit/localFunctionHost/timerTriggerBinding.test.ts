import { type InvocationContext, type Timer } from '@azure/functions';

import { type HostLog, type HostLogLevel } from '../../../dev/localFunctionHost/hostLog';
import { bindTimerTriggers } from '../../../dev/localFunctionHost/timerTriggerBinding';

function recordingLog(): HostLog & { lines: [HostLogLevel, string][] } {
  const lines: [HostLogLevel, string][] = [];
  return { lines, write: (level, text) => lines.push([level, text]) };
}

describe('timer triggers on the local host', () => {
  it('runs a timer once at start when asked, with the Timer and context the Functions host passes, and logs what it logs', async () => {
    const log = recordingLog();
    const runs: { timer: Timer; context: InvocationContext }[] = [];
    let ran: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (ran = resolve));
    const bindings = bindTimerTriggers({
      functions: [
        {
          name: 'reconcile',
          options: {
            schedule: '0 0 0 1 1 *',
            handler: (timer, context) => {
              runs.push({ timer, context });
              context.warn('found one');
              ran();
            },
          },
        },
      ],
      log,
      runAllOnStart: true,
      now: () => new Date('2026-03-01T10:00:00.000Z'),
    });
    await done;
    await bindings.close();
    expect(bindings.bound).toEqual([{ functionName: 'reconcile', schedule: '0 0 0 1 1 *' }]);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.timer).toMatchObject({ isPastDue: false, scheduleStatus: { next: '2027-01-01T00:00:00.000Z' } });
    expect(runs[0]!.context.functionName).toBe('reconcile');
    expect(log.lines).toEqual([['warn', '  [reconcile] warn: found one']]);
  });

  it('a run that throws is logged and the schedule goes on; nothing runs after close', async () => {
    const log = recordingLog();
    let calls = 0;
    const bindings = bindTimerTriggers({
      functions: [{ name: 'broken', options: { schedule: '0 0 0 1 1 *', runOnStartup: true, handler: () => Promise.reject(new Error(`boom ${++calls}`)) } }],
      log,
    });
    await bindings.close();
    expect(calls).toBe(1);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]![1]).toContain('[broken] error: the timer run threw; the next run is on schedule: Error: boom 1');
  });

  it('refuses a schedule it cannot read at start', () => {
    expect(() => bindTimerTriggers({ functions: [{ name: 'bad', options: { schedule: 'every minute', handler: () => undefined } }], log: recordingLog() })).toThrow(/needs 6 fields/);
  });
});
