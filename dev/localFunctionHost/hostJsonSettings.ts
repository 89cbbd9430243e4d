import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

import { folderAbove } from '../folderAbove';

/** The parts of host.json the local host honours, with the Functions host's defaults where host.json is silent. */
export interface HostJsonSettings {
  /** `extensions.http.routePrefix`, default `api`. */
  routePrefix: string;
  serviceBus: {
    /** Sessions handled at once per session-enabled trigger (default 8). */
    maxConcurrentSessions: number;
    /** Messages handled at once per sessionless trigger (default 16 per CPU). */
    maxConcurrentCalls: number;
    /** Default of a trigger's autoCompleteMessages (default true). */
    autoCompleteMessages: boolean;
    /** How long the host renews a message lock while the function runs (default 5 minutes). */
    maxAutoLockRenewalDurationInMs: number;
    /** How long an instance keeps an idle session before another may take it (default 1 minute, the SDK's try timeout). */
    sessionIdleTimeoutInMs: number;
  };
}

/** Reads the nearest host.json at or above `startDir` (the compiled code lives in dist/, host.json at the root). */
export function readHostJsonSettings(startDir: string): { path: string; settings: HostJsonSettings } {
  const dir = folderAbove(startDir, 'host.json');
  if (dir === undefined) throw new Error(`No host.json at or above ${startDir}`);
  const file = path.join(dir, 'host.json');
  return { path: file, settings: parseHostJsonSettings(JSON.parse(readFileSync(file, 'utf8'))) };
}

export function parseHostJsonSettings(hostJson: unknown): HostJsonSettings {
  const extensions = objectAt(hostJson, 'extensions');
  const http = objectAt(extensions, 'http');
  const serviceBus = objectAt(extensions, 'serviceBus');
  const routePrefix = http.routePrefix;
  return {
    routePrefix: typeof routePrefix === 'string' ? routePrefix : 'api',
    serviceBus: {
      maxConcurrentSessions: positiveInteger(serviceBus.maxConcurrentSessions) ?? 8,
      maxConcurrentCalls: positiveInteger(serviceBus.maxConcurrentCalls) ?? 16 * Math.max(1, cpus().length),
      autoCompleteMessages: typeof serviceBus.autoCompleteMessages === 'boolean' ? serviceBus.autoCompleteMessages : true,
      maxAutoLockRenewalDurationInMs:
        typeof serviceBus.maxAutoLockRenewalDuration === 'string' ? timeSpanInMs(serviceBus.maxAutoLockRenewalDuration) : 5 * 60_000,
      sessionIdleTimeoutInMs: typeof serviceBus.sessionIdleTimeout === 'string' ? timeSpanInMs(serviceBus.sessionIdleTimeout) : 60_000,
    },
  };
}

/** A .NET TimeSpan as host.json writes it: `[d.]hh:mm:ss[.fff]`. */
export function timeSpanInMs(span: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(span.trim());
  if (match === null) throw new Error(`host.json: "${span}" is not a TimeSpan (hh:mm:ss)`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const wholeSeconds = ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
  return wholeSeconds * 1000 + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  const inner = (value as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
