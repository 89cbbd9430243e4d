import { connectorFaultKinds, FaultInjector, faultPlanSchema, noFaults, pickFault, seededRandom } from '../../../dev/teamsEmulator/faultPlan';

describe('pickFault', () => {
  const kinds = ['429', '503', 'slow'] as const;
  // Binary-exact rates, so the cumulative bounds are exact: 0.125, 0.375, 0.875.
  const rates = { '429': 0.125, '503': 0.25, slow: 0.5 };

  it('walks the kinds in order over cumulative rates, with exclusive upper bounds', () => {
    expect(pickFault(kinds, rates, 0)).toBe('429');
    expect(pickFault(kinds, rates, 0.1249)).toBe('429');
    expect(pickFault(kinds, rates, 0.125)).toBe('503');
    expect(pickFault(kinds, rates, 0.3749)).toBe('503');
    expect(pickFault(kinds, rates, 0.375)).toBe('slow');
    expect(pickFault(kinds, rates, 0.8749)).toBe('slow');
    expect(pickFault(kinds, rates, 0.875)).toBeUndefined();
    expect(pickFault(kinds, rates, 0.9999)).toBeUndefined();
  });

  it('never picks a kind whose rate is missing or zero', () => {
    expect(pickFault(kinds, { '503': 1 }, 0)).toBe('503');
    expect(pickFault(kinds, { '429': 0, slow: 0 }, 0)).toBeUndefined();
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
  });

  it('stays in [0, 1)', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const u = random();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });
});

describe('FaultInjector', () => {
  it('draws nothing without a plan', () => {
    const injector = new FaultInjector(noFaults);
    expect(Array.from({ length: 100 }, () => injector.drawConnectorFault()).every((f) => f === undefined)).toBe(true);
    expect(injector.drawTokenFault()).toBeUndefined();
  });

  it('produces roughly the asked rate, and exactly the same draws for the same seed', () => {
    const plan = faultPlanSchema.parse({ rates: { '503': 0.1 }, seed: 99 });
    const draw = (): (string | undefined)[] => {
      const injector = new FaultInjector(plan);
      return Array.from({ length: 10_000 }, () => injector.drawConnectorFault());
    };
    const first = draw();
    const count = first.filter((f) => f === '503').length;
    expect(count).toBeGreaterThan(850);
    expect(count).toBeLessThan(1150);
    expect(draw()).toEqual(first);
  });

  it('restarts the sequence when a plan is set again', () => {
    const plan = faultPlanSchema.parse({ rates: { '429': 0.5 }, seed: 5 });
    const injector = new FaultInjector(plan);
    const first = Array.from({ length: 20 }, () => injector.drawConnectorFault());
    injector.setPlan(plan);
    expect(Array.from({ length: 20 }, () => injector.drawConnectorFault())).toEqual(first);
  });

  it('keeps token faults on their own stream', () => {
    const plan = faultPlanSchema.parse({ rates: { '503': 0.5 }, token: { temporarily_unavailable: 1 }, seed: 3 });
    const withTokenDraws = new FaultInjector(plan);
    const withoutTokenDraws = new FaultInjector(plan);
    const a: (string | undefined)[] = [];
    const b: (string | undefined)[] = [];
    for (let i = 0; i < 20; i++) {
      expect(withTokenDraws.drawTokenFault()).toBe('temporarily_unavailable');
      a.push(withTokenDraws.drawConnectorFault());
      b.push(withoutTokenDraws.drawConnectorFault());
    }
    expect(a).toEqual(b);
  });
});

describe('faultPlanSchema', () => {
  it('fills defaults', () => {
    expect(faultPlanSchema.parse({})).toEqual({ rates: {}, token: {}, slowDelayInMs: 3000, seed: 1 });
  });

  it('accepts every documented Connector fault kind', () => {
    const rates = Object.fromEntries(connectorFaultKinds.map((k) => [k, 0.05]));
    expect(faultPlanSchema.parse({ rates }).rates).toEqual(rates);
  });

  it('refuses rates past 1, in sum or alone, and unknown kinds', () => {
    expect(faultPlanSchema.safeParse({ rates: { '429': 0.6, '503': 0.5 } }).success).toBe(false);
    expect(faultPlanSchema.safeParse({ rates: { '429': 1.5 } }).success).toBe(false);
    expect(faultPlanSchema.safeParse({ rates: { '418': 0.1 } }).success).toBe(false);
    expect(faultPlanSchema.safeParse({ token: { invalid_grant: 0.1 } }).success).toBe(false);
  });
});
