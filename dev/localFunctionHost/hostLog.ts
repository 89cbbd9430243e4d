import { inspect } from 'node:util';

import { type LogHandler, type LogLevel } from '@azure/functions';

export type HostLogLevel = 'info' | 'warn' | 'error';

/** Where the local host writes: one compact line per request, per function log call, per host event. */
export interface HostLog {
  write(level: HostLogLevel, text: string): void;
}

/** Time of day with milliseconds: enough to follow a local run, short enough to keep lines on one screen row. */
export function timeOfDay(date: Date): string {
  return date.toISOString().slice(11, 23);
}

/** Lines to stdout (warnings and errors to stderr), time-stamped. */
export function consoleHostLog(now: () => Date = () => new Date()): HostLog {
  return {
    write(level, text) {
      const line = `${timeOfDay(now())} ${text}\n`;
      if (level === 'info') process.stdout.write(line);
      else process.stderr.write(line);
    },
  };
}

const levels: Readonly<Record<LogLevel, number>> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

/**
 * An InvocationContext's log calls as host lines `[functionName] text`. Information and up by default, as
 * `func start` shows them; a thrown Error keeps its stack only at error level, where it signals a bug.
 */
export function functionLogHandler(log: HostLog, functionName: string, minLevel: LogLevel = 'information'): LogHandler {
  return (level, ...args) => {
    if (levels[level] < levels[minLevel] || level === 'none') return;
    const hostLevel: HostLogLevel = levels[level] >= levels.error ? 'error' : level === 'warning' ? 'warn' : 'info';
    const prefix = hostLevel === 'info' ? '' : `${hostLevel}: `;
    log.write(hostLevel, `  [${functionName}] ${prefix}${formatLogArgs(args, hostLevel === 'error')}`);
  };
}

export function formatLogArgs(args: readonly unknown[], withStacks: boolean): string {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return compactJsonEvent(arg) ?? arg;
      if (arg instanceof Error) return withStacks ? (arg.stack ?? arg.message) : `${arg.name}: ${arg.message}`;
      return inspect(arg, { breakLength: Number.POSITIVE_INFINITY, depth: 4 });
    })
    .join(' ');
}

/**
 * A structured log line (`{"event":"delivery","outcome":"sent",...}`, what Application Insights wants) as
 * `delivery: outcome=sent ...` for a terminal; undefined when the text is not such a flat JSON object.
 */
export function compactJsonEvent(text: string): string | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { event, ...fields } = parsed as Record<string, unknown>;
  const pairs = Object.entries(fields).map(([key, value]) => {
    const shown = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    return `${key}=${shown}`;
  });
  return typeof event === 'string' ? `${event}: ${pairs.join(' ')}` : pairs.join(' ');
}
