import { TenantBookings } from '../../../shared/delivery/tenantBookings';

const t0 = 1_800_000_000_000;

describe('TenantBookings', () => {
  it('as the departure gate: holds the next window behind a window that left late, not behind its slots', () => {
    const departures = new TenantBookings(1_075);
    // A window of 50 slots at t0, but the event loop was busy: they all leave 90 ms late.
    for (let n = 0; n < 50; n++) expect(departures.book('t', t0 + 90, 50)).toBe(t0 + 90);
    // The next window's first send wakes on its slot, 1,075 ms after the first window's: it waits for the late ones.
    expect(departures.book('t', t0 + 1_075, 50)).toBe(t0 + 90 + 1_075);
  });

  it('as the departure gate: a request counts from when Teams answered it, so one slow on the way holds the next window back', () => {
    const gate = new TenantBookings(1_005);
    // A window's 50 leave on time, but the first 10 take 100 ms to arrive (new connections) and are answered then.
    const events = Array.from({ length: 50 }, (_, n) => [
      { at: t0 + n * 9, n, kind: 'leave' as const },
      { at: t0 + n * 9 + (n < 10 ? 100 : 2), n, kind: 'answer' as const },
    ])
      .flat()
      .sort((a, b) => a.at - b.at || (a.kind === 'answer' ? -1 : 1));
    const departures: ReturnType<TenantBookings['depart']>[] = [];
    for (const event of events) {
      if (event.kind === 'leave') departures[event.n] = gate.depart('t', event.at, 50);
      else departures[event.n]?.landed(event.at);
    }
    expect(departures.map((d) => d?.at)).toEqual(Array.from({ length: 50 }, (_, n) => t0 + n * 9));
    // The next window's first request waits a window after the earliest answer (the 11th's, at t0 + 92), not
    // after the first departure.
    expect(gate.depart('t', t0 + 1_005, 50).at).toBe(t0 + 92 + 1_005);
    // Answered twice (a chat created, then the message sent): it counts from the later answer.
    const twice = gate.depart('u', t0, 1);
    twice.landed(t0 + 20);
    twice.landed(t0 + 60);
    expect(gate.depart('u', t0 + 1_030, 1).at).toBe(t0 + 60 + 1_005);
    // An answer already forgotten (a window old) moves nothing.
    expect(gate.move('u', t0, t0 + 5)).toBe(false);
  });

  it('as the departure gate: a request still unanswered counts from now, however long ago it left', () => {
    const gate = new TenantBookings(1_005);
    // One request a window: the first is still on the way (a busy machine) when the window has passed.
    const slow = gate.depart('t', t0, 1);
    // Counted from its departure it would let the next one go at t0 + 1,005 and both could reach Teams together.
    const next = gate.depart('t', t0 + 1_500, 1);
    expect(next.at).toBe(t0 + 1_500 + 1_005);
    // Once answered it counts from its answer.
    slow.landed(t0 + 1_600);
    expect(gate.depart('u', t0 + 1_600, 1).at).toBe(t0 + 1_600);
  });

  it('never lets a tenant have more than the limit in any window, and holds nothing that is within it', () => {
    const departures = new TenantBookings(1_000);
    const booked: number[] = [];
    let now = t0;
    for (let n = 0; n < 400; n++) {
      now += (n * 7919) % 37; // uneven gaps, several at the same ms
      booked.push(departures.book('t', now, 20));
    }
    booked.sort((a, b) => a - b);
    for (let i = 20; i < booked.length; i++) expect((booked[i] ?? 0) - (booked[i - 20] ?? 0)).toBeGreaterThanOrEqual(1_000);
    expect(departures.book('other', now, 20)).toBe(now);
  });

  it('counts tenants apart and uses the limit it is given now (lower after a 429)', () => {
    const departures = new TenantBookings(1_000);
    for (let n = 0; n < 40; n++) departures.book('a', t0, 50);
    expect(departures.book('a', t0 + 10, 40)).toBe(t0 + 1_000);
    expect(departures.book('b', t0 + 10, 40)).toBe(t0 + 10);
    expect(departures.recent('a', t0 + 10)).toBe(41);
    expect(departures.recent('a', t0 + 1_500)).toBe(1);
  });

  it('as promised return times: books from a later time than now, spread at the limit, and forgets by now', () => {
    const promised = new TenantBookings(1_000);
    const returns = Array.from({ length: 6 }, () => promised.book('t', t0 + 3_000, 3, t0));
    expect(returns).toEqual([t0 + 3_000, t0 + 3_000, t0 + 3_000, t0 + 4_000, t0 + 4_000, t0 + 4_000]);
    // A window after the last return, nothing promised is left.
    expect(promised.book('t', t0 + 5_100, 3, t0 + 5_100)).toBe(t0 + 5_100);
    expect(promised.recent('t', t0 + 5_100)).toBe(1);
  });
});
