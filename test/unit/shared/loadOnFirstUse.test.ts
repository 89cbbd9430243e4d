import { loadOnFirstUse } from '../../../shared/loadOnFirstUse';

describe('loadOnFirstUse', () => {
  it('loads nothing until the first call, then once for every caller', async () => {
    let loads = 0;
    const load = loadOnFirstUse(async () => {
      loads++;
      return Promise.resolve({ loaded: loads });
    });
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([load(), load()]);
    expect(await load()).toBe(first);
    expect(second).toBe(first);
    expect(loads).toBe(1);
  });

  it('forgets a failed load so the next call tries again', async () => {
    let attempts = 0;
    const load = loadOnFirstUse(async () => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error('module not found')) : Promise.resolve('ready');
    });
    await expect(load()).rejects.toThrow('module not found');
    await expect(load()).resolves.toBe('ready');
    expect(attempts).toBe(2);
  });
});
