import { partWant } from '../../../shared/delivery/partWant';

describe('partWant', () => {
  it('follows the demand, with a quarter of headroom, while nothing waits', () => {
    expect(partWant({ demandPerWindow: 12, inHand: 0, inWindow: 12, ceiling: 50 })).toBe(16);
    expect(partWant({ demandPerWindow: 0, inHand: 0, inWindow: 12, ceiling: 50 })).toBe(1);
  });

  it('while copies wait, leaves room for all of them on top of the window already used', () => {
    // The end of a broadcast: two copies arrived in the last window, three still wait, 12 requests left in it.
    expect(partWant({ demandPerWindow: 2, inHand: 3, inWindow: 12, ceiling: 50 })).toBe(16);
    // A demand larger than that still decides.
    expect(partWant({ demandPerWindow: 20, inHand: 3, inWindow: 12, ceiling: 50 })).toBe(26);
  });

  it('never wants more than the ceiling', () => {
    expect(partWant({ demandPerWindow: 200, inHand: 0, inWindow: 0, ceiling: 50 })).toBe(50);
    expect(partWant({ demandPerWindow: 0, inHand: 47, inWindow: 13, ceiling: 50 })).toBe(50);
  });
});
