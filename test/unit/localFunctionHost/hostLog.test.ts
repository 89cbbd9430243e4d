import { compactJsonEvent, formatLogArgs, functionLogHandler, type HostLog, type HostLogLevel, timeOfDay } from '../../../dev/localFunctionHost/hostLog';

function recordingLog(): HostLog & { lines: [HostLogLevel, string][] } {
  const lines: [HostLogLevel, string][] = [];
  return { lines, write: (level, text) => lines.push([level, text]) };
}

describe('the host log', () => {
  it('prints function log calls tagged with the function, information and up', () => {
    const log = recordingLog();
    const handler = functionLogHandler(log, 'send');
    handler('debug', 'hidden');
    handler('information', 'sent', 3);
    handler('warning', 'slow');
    handler('critical', 'down');
    expect(log.lines).toEqual([
      ['info', '  [send] sent 3'],
      ['warn', '  [send] warn: slow'],
      ['error', '  [send] error: down'],
    ]);
  });

  it('keeps stacks for errors only', () => {
    const error = new Error('boom');
    expect(formatLogArgs(['failed', error], false)).toBe('failed Error: boom');
    expect(formatLogArgs([error], true)).toContain('at ');
  });

  it('shows structured JSON events compactly', () => {
    expect(compactJsonEvent('{"event":"delivery","outcome":"sent","attempt":1,"note":"two words"}')).toBe('delivery: outcome=sent attempt=1 note="two words"');
    expect(compactJsonEvent('not json {')).toBeUndefined();
    expect(compactJsonEvent('[1]')).toBeUndefined();
    expect(formatLogArgs(['{"event":"x","a":"b"}'], false)).toBe('x: a=b');
  });

  it('stamps lines with the time of day', () => {
    expect(timeOfDay(new Date('2026-01-02T03:04:05.678Z'))).toBe('03:04:05.678');
  });
});
