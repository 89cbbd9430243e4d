import { maxScheduleAheadInMs, parseNotificationSchedule } from '../../../../shared/notifications/request/notificationSchedule';
import { now } from '../notificationFixtures';

describe('parseNotificationSchedule', () => {
  it.each<[Record<string, unknown>, Record<string, string>]>([
    [{}, {}],
    [{ sendAt: '2025-06-01T12:00:00+02:00' }, { sendAt: '2025-06-01T10:00:00.000Z' }],
    [{ sendAt: '2025-06-01T12:00:00+0200' }, { sendAt: '2025-06-01T10:00:00.000Z' }],
    [{ expiresAt: '2025-06-01T00:00:00.001Z' }, { expiresAt: '2025-06-01T00:00:00.001Z' }],
    [{ sendAt: '2024-01-01T00:00:00Z', expiresAt: '2025-06-02T00:00:00-05:00' }, { sendAt: '2024-01-01T00:00:00.000Z', expiresAt: '2025-06-02T05:00:00.000Z' }],
  ])('accepts %j as %j', (raw, schedule) => {
    expect(parseNotificationSchedule(raw, now)).toEqual({ ok: true, schedule });
  });

  it('caps sendAt at 7 days ahead, inclusive', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    expect(maxScheduleAheadInMs).toBe(604_800_000);
    expect(parseNotificationSchedule({ sendAt: at(maxScheduleAheadInMs) }, now).ok).toBe(true);
    expect(parseNotificationSchedule({ sendAt: at(maxScheduleAheadInMs + 1) }, now)).toEqual({
      ok: false,
      issues: [{ path: ['sendAt'], message: 'sendAt is more than 7 days ahead (latest accepted: 2025-06-08T00:00:00.000Z)' }],
    });
  });

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ sendAt: '2025-06-01' }, 'sendAt', /with a UTC offset/],
    [{ sendAt: '2025-06-01 10:00:00Z' }, 'sendAt', /ISO 8601/],
    [{ sendAt: '2025-06-01T10:00:00+24:00' }, 'sendAt', /not a time that exists/],
    [{ expiresAt: '2025-13-01T00:00:00Z' }, 'expiresAt', /ISO 8601/],
    [{ expiresAt: null }, 'expiresAt', /must be an ISO 8601 time string/],
    [{ expiresAt: '2025-06-01T00:00:00Z' }, 'expiresAt', /not in the future/],
    [{ sendAt: '2025-06-02T00:00:00Z', expiresAt: '2025-06-01T12:00:00Z' }, 'expiresAt', /must be after sendAt/],
  ])('rejects %j at %s', (raw, key, message) => {
    const result = parseNotificationSchedule(raw, now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({ path: [key], message: expect.stringMatching(message) });
    // One problem, one message: a malformed time is not also reported as impossible.
    expect(result.issues).toHaveLength(1);
  });
});
