import { TenantSlotPool } from '../../../shared/delivery/tenantSlotPool';

describe('TenantSlotPool', () => {
  it('hands out the soonest slot at or after a time, each once', () => {
    const pool = new TenantSlotPool(25);
    pool.add('t', [300, 100, 200]);
    expect(pool.first('t', 150, 0)).toBe(200);
    pool.take('t', 200);
    expect(pool.first('t', 150, 0)).toBe(300);
    expect(pool.held('t')).toBe(2);
  });

  it('a slot passed by more than the tolerance is dropped unused; within it, it may still go', () => {
    const pool = new TenantSlotPool(25);
    pool.add('t', [100, 200]);
    expect(pool.first('t', 0, 120)).toBe(100);
    expect(pool.first('t', 0, 126)).toBe(200);
    expect(pool.held('t')).toBe(1);
    expect(pool.first('t', 0, 300)).toBeUndefined();
    expect(pool.held('t')).toBe(0);
  });

  it('keeps tenants apart, and a 429 drops what the tenant held', () => {
    const pool = new TenantSlotPool(25);
    pool.add('a', [100]);
    pool.add('b', [100]);
    pool.drop('a');
    expect(pool.first('a', 0, 0)).toBeUndefined();
    expect(pool.first('b', 0, 0)).toBe(100);
  });
});
