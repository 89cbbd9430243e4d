import { operationsPerSendAtFullRate } from '../../../test/bench/budgetOperationsAtFullRate';

const start = 1_800_000_000_000;

/** 50 arrivals a second for `seconds`, evenly. */
function arrivals(seconds: number): number[] {
  return Array.from({ length: seconds * 50 }, (_, n) => start + n * 20);
}

describe('operationsPerSendAtFullRate', () => {
  it("sums each process's operations per ms between its reports inside the window, over the arrivals per ms there", () => {
    // Two processes, each 5 operations every 2.5 s (a lease of two operations and a bit), reported through the run.
    const every = (offset: number) => Array.from({ length: 9 }, (_, n) => ({ at: start + offset + n * 2_500, tableOperations: 10 + n * 5 }));

    const perSend = operationsPerSendAtFullRate([every(0), every(1_200)], arrivals(20));

    // 2 × 5 / 2,500 ms = 0.004 operations per ms against 0.05 sends per ms.
    expect(perSend).toBeCloseTo(0.08, 3);
  });

  it("leaves out the start's and the end's leases: a burst of them at either edge does not count", () => {
    const steady = Array.from({ length: 6 }, (_, n) => ({ at: start + 4_000 + n * 2_500, tableOperations: 40 + n * 5 }));
    const withEdges = [{ at: start + 500, tableOperations: 30 }, ...steady, { at: start + 19_500, tableOperations: 90 }];

    expect(operationsPerSendAtFullRate([withEdges], arrivals(20))).toBeCloseTo(operationsPerSendAtFullRate([steady], arrivals(20)) as number, 6);
    expect(operationsPerSendAtFullRate([withEdges], arrivals(20))).toBeCloseTo(0.04, 3);
  });

  it('is unknown for a run too short to have a full-rate part, or a process that reported only once in it', () => {
    const reports = [{ at: start + 3_500, tableOperations: 4 }, { at: start + 5_500, tableOperations: 8 }];
    expect(operationsPerSendAtFullRate([reports], arrivals(10))).toBeNull();
    expect(operationsPerSendAtFullRate([[{ at: start + 8_000, tableOperations: 4 }]], arrivals(20))).toBeNull();
    expect(operationsPerSendAtFullRate([], [])).toBeNull();
  });
});
