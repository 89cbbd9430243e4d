import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseHostJsonSettings, readHostJsonSettings, timeSpanInMs } from '../../../dev/localFunctionHost/hostJsonSettings';

describe('host.json settings', () => {
  it("reads the project's host.json from below it, as the compiled host does from dist/", () => {
    const { path: found, settings } = readHostJsonSettings(__dirname);
    expect(found).toBe(path.resolve(__dirname, '../../../host.json'));
    const hostJson = JSON.parse(readFileSync(found, 'utf8'));
    expect(settings.serviceBus.maxConcurrentSessions).toBe(hostJson.extensions.serviceBus.maxConcurrentSessions);
    expect(settings.serviceBus.autoCompleteMessages).toBe(hostJson.extensions.serviceBus.autoCompleteMessages);
    expect(settings.serviceBus.maxAutoLockRenewalDurationInMs).toBe(timeSpanInMs(hostJson.extensions.serviceBus.maxAutoLockRenewalDuration));
    expect(settings.serviceBus.sessionIdleTimeoutInMs).toBe(timeSpanInMs(hostJson.extensions.serviceBus.sessionIdleTimeout));
  });

  it("falls back to the Functions host's defaults", () => {
    const settings = parseHostJsonSettings({ version: '2.0' });
    expect(settings.routePrefix).toBe('api');
    expect(settings.serviceBus).toMatchObject({ maxConcurrentSessions: 8, autoCompleteMessages: true, maxAutoLockRenewalDurationInMs: 300_000, sessionIdleTimeoutInMs: 60_000 });
    expect(settings.serviceBus.maxConcurrentCalls).toBeGreaterThanOrEqual(16);
  });

  it('honours a changed route prefix, including none', () => {
    expect(parseHostJsonSettings({ extensions: { http: { routePrefix: '' } } }).routePrefix).toBe('');
    expect(parseHostJsonSettings({ extensions: { http: { routePrefix: 'gw' } } }).routePrefix).toBe('gw');
  });

  it('parses .NET TimeSpans', () => {
    expect(timeSpanInMs('00:05:00')).toBe(300_000);
    expect(timeSpanInMs('1.02:00:00.5')).toBe(26 * 3_600_000 + 500);
    expect(() => timeSpanInMs('5m')).toThrow(/TimeSpan/);
  });
});
