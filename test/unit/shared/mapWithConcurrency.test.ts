import { mapWithConcurrency } from '../../../shared/mapWithConcurrency';

describe('mapWithConcurrency', () => {
  it('keeps the items’ order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const results = await mapWithConcurrency(items, 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Even items take a turn longer: completion order is not the items’ order.
      await new Promise((resolve) => setImmediate(resolve));
      if (item % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return item * 10;
    });

    expect(results).toEqual(items.map((item) => item * 10));
    expect(most).toBe(3);
  });

  it('maps nothing to nothing', async () => {
    await expect(mapWithConcurrency([], 4, async () => Promise.resolve(1))).resolves.toEqual([]);
  });

  it('rejects with the first failure', async () => {
    await expect(mapWithConcurrency([1, 2, 3], 2, async (item) => (item === 2 ? Promise.reject(new Error('two')) : Promise.resolve(item)))).rejects.toThrow('two');
  });
});
