import { DepartureGate } from '../../../shared/delivery/departureGate';

const t0 = 1_800_000_000_000;

describe('DepartureGate', () => {
  it('holds the sends of a window after a late one to a window after the late departures, not their slots', () => {
    const gate = new DepartureGate(1_075);
    // A window of 50 slots at t0, but the event loop was busy: they all leave 90 ms late.
    for (let n = 0; n < 50; n++) expect(gate.book('t', t0 + 90, 50)).toBe(t0 + 90);
    // The next window's first send wakes on its slot, 1,075 ms after the first window's: it waits for the late ones.
    expect(gate.book('t', t0 + 1_075, 50)).toBe(t0 + 90 + 1_075);
  });

  it('never lets a tenant have more than the limit of departures in any window, whatever order they ask in', () => {
    const gate = new DepartureGate(1_000);
    const departures: number[] = [];
    let now = t0;
    for (let n = 0; n < 400; n++) {
      now += (n * 7919) % 37; // uneven arrivals, several at the same ms
      departures.push(gate.book('t', now, 20));
    }
    departures.sort((a, b) => a - b);
    for (let i = 20; i < departures.length; i++) expect((departures[i] ?? 0) - (departures[i - 20] ?? 0)).toBeGreaterThanOrEqual(1_000);
    // And it does not hold a send that is within the limit.
    expect(gate.book('other', now, 20)).toBe(now);
  });

  it('counts tenants apart and uses the limit it is given now (lower after a 429)', () => {
    const gate = new DepartureGate(1_000);
    for (let n = 0; n < 40; n++) gate.book('a', t0, 50);
    expect(gate.book('a', t0 + 10, 40)).toBe(t0 + 1_000);
    expect(gate.book('b', t0 + 10, 40)).toBe(t0 + 10);
  });
});
