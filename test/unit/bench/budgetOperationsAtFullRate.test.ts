import { operationsPerSendAtFullRate } from '../../../test/bench/budgetOperationsAtFullRate';

const start = 1_800_000_000_000;

/** 50 arrivals a second for `seconds`, evenly. */
function arrivals(seconds: number): number[] {
  return Array.from({ length: seconds * 50 }, (_, n) => start + n * 20);
}

describe('operationsPerSendAtFullRate', () => {
  it("sums each process's operations over the window, its count interpolated between its reports, over the arrivals in it", () => {
    // Two processes, each 5 operations every 2.5 s (a lease of two operations and a bit), reported through the run.
    const every = (offset: number) => Array.from({ length: 9 }, (_, n) => ({ at: start + offset + n * 2_500, tableOperations: 10 + n * 5 }));

    const perSend = operationsPerSendAtFullRate([every(0), every(1_200)], arrivals(20));

    // 2 × 5 / 2,500 ms = 0.004 operations per ms against 0.05 sends per ms.
    expect(perSend).toBeCloseTo(0.08, 3);
  });

  it("leaves out the start's and the end's leases: a burst of them in the first or last 3 s does not count", () => {
    // Reported every second: 10 operations a second in the first and last 3 s, 2 a second in between.
    const rates = Array.from({ length: 20 }, (_, s) => (s < 3 || s >= 17 ? 10 : 2));
    const reports = [{ at: start, tableOperations: 0 }];
    rates.forEach((rate, s) => reports.push({ at: start + (s + 1) * 1_000, tableOperations: (reports[s]?.tableOperations ?? 0) + rate }));

    // 2 a second over 13.98 s, against 700 arrivals.
    expect(operationsPerSendAtFullRate([reports], arrivals(20))).toBeCloseTo(0.04, 3);
  });

  it('counts a process that finished early only up to its last report, and one that never leased as none', () => {
    const early = [{ at: start + 1_000, tableOperations: 2 }, { at: start + 6_000, tableOperations: 12 }];

    // 2 operations a second from 3 s to 6 s, then none: 6 operations against 700 arrivals.
    expect(operationsPerSendAtFullRate([early, []], arrivals(20))).toBeCloseTo(6 / 700, 6);
  });

  it('is unknown for a run too short to have a full-rate part, or without arrivals', () => {
    expect(operationsPerSendAtFullRate([[{ at: start, tableOperations: 1 }]], arrivals(10))).toBeNull();
    expect(operationsPerSendAtFullRate([], [])).toBeNull();
  });
});
