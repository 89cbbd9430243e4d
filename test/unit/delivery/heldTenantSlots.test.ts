import { HeldTenantSlots } from '../../../shared/delivery/heldTenantSlots';

const t0 = 1_800_000_000_000;

describe('HeldTenantSlots', () => {
  it('gives a held slot once, to the copy that booked that conversation slot', () => {
    const held = new HeldTenantSlots(1_075);
    held.hold('t', 'c', t0 + 1_200, t0 + 1_195);
    expect(held.take('t', 'c', t0 + 1_201)).toBeUndefined();
    expect(held.take('t', 'other', t0 + 1_200)).toBeUndefined();
    expect(held.take('u', 'c', t0 + 1_200)).toBeUndefined();
    expect(held.take('t', 'c', t0 + 1_200)).toBe(t0 + 1_195);
    expect(held.take('t', 'c', t0 + 1_200)).toBeUndefined();
  });

  it('drops a tenant’s holds after a 429, and forgets holds whose copies never came back', () => {
    const held = new HeldTenantSlots(1_000);
    held.hold('t', 'a', t0, t0);
    held.hold('u', 'b', t0, t0);
    held.drop('t');
    expect(held.take('t', 'a', t0)).toBeUndefined();
    expect(held.size).toBe(1);
    // Hundreds of holds later, a window on: the old one is swept, recent ones stay.
    for (let n = 0; n < 300; n++) held.hold('t', `c-${n}`, t0 + 5_000 + n, t0 + 5_000 + n);
    expect(held.take('u', 'b', t0)).toBeUndefined();
    expect(held.size).toBe(300);
  });
});
