import { CopiesInHand } from '../../../shared/delivery/copiesInHand';

describe('CopiesInHand', () => {
  it('counts copies per tenant from their slot until they depart or are handed back, each once', () => {
    const inHand = new CopiesInHand();
    const first = inHand.add('t', 1_000);
    inHand.add('t', 1_010);
    inHand.add('t', 1_020);
    inHand.add('other', 1_020);
    expect(inHand.count('t', 1_030)).toBe(3);

    first();
    first();
    expect(inHand.count('t', 1_030)).toBe(2);
    inHand.departed('t');
    expect(inHand.count('t', 1_030)).toBe(1);
    expect(inHand.count('other', 1_030)).toBe(1);
  });

  it('forgets a copy held longer than its maximum age (its outcome was never reported)', () => {
    const inHand = new CopiesInHand(3_000);
    inHand.add('t', 1_000);
    const later = inHand.add('t', 2_500);
    expect(inHand.count('t', 3_999)).toBe(2);
    expect(inHand.count('t', 4_000)).toBe(1);
    later();
    expect(inHand.count('t', 4_000)).toBe(0);
    // A tenant with nothing in hand is not remembered, and a late hand-back of a forgotten copy changes nothing.
    const copy = inHand.add('t', 5_000);
    expect(inHand.count('t', 9_000)).toBe(0);
    copy();
    inHand.add('t', 9_000);
    expect(inHand.count('t', 9_000)).toBe(1);
  });
});
