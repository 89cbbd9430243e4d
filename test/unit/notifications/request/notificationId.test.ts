import { isNotificationId, newNotificationId, notificationIdPattern } from '../../../../shared/notifications/request/notificationId';

const fixedRandom = (byte: number) => (size: number) => new Uint8Array(size).fill(byte);

describe('newNotificationId', () => {
  it('encodes the time first (ULID layout) and is a valid id', () => {
    expect(newNotificationId(new Date(0), fixedRandom(0))).toBe('0'.repeat(26));
    expect(newNotificationId(new Date(0), fixedRandom(255))).toBe(`${'0'.repeat(10)}${'Z'.repeat(16)}`);
    // 1469918176385 ms is 01ARYZ6S41 in the ULID spec's example.
    expect(newNotificationId(new Date(1469918176385), fixedRandom(0)).slice(0, 10)).toBe('01ARYZ6S41');
    expect(isNotificationId(newNotificationId(new Date('2025-06-01T00:00:00Z')))).toBe(true);
  });

  it('sorts by creation time', () => {
    const times = [0, 1, 31, 32, 1_000, 1_748_736_000_000, 1_748_736_000_001, 2 ** 48 - 1];
    const ids = times.map((t) => newNotificationId(new Date(t)));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differs between two calls in the same millisecond', () => {
    const at = new Date('2025-06-01T00:00:00Z');
    expect(newNotificationId(at)).not.toBe(newNotificationId(at));
  });

  it('refuses a time outside the 48-bit range', () => {
    expect(() => newNotificationId(new Date(2 ** 48))).toThrow(/outside the id's time range/);
    expect(() => newNotificationId(new Date(Number.NaN))).toThrow(/outside/);
  });
});

describe('notification id pattern', () => {
  it.each(['a', 'A1', 'deploy-2025.06_01', '01JX0000000000000000000000', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(isNotificationId(id)).toBe(true);
  });

  it.each(['', '.', '..', '-a', '_a', 'a/b', 'a\\b', 'a#b', 'a?b', 'a b', 'é', 'x'.repeat(129), 'a%2F'])('refuses %j', (id) => {
    expect(notificationIdPattern.test(id)).toBe(false);
  });
});
