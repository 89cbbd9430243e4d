/** One `{"event":"tenantBudget",...}` line of a gateway's log: its Table operations on the budget so far, at `at` (epoch ms). */
export interface BudgetReport {
  at: number;
  tableOperations: number;
}

/**
 * The shared budget's Table operations per send at full rate (#13 asks for at most one per 10 sends there): between
 * `edgeInMs` after a broadcast's first arrival and `edgeInMs` before its last, where the start's first leases and
 * conflicts and the end's shrinking parts and releases are left out. Each process's operations per ms are taken
 * between its first and last report inside that window (a report follows its leases by up to a second, so whole
 * leases fall between two reports), summed over the processes, and divided by the arrivals per ms in the window.
 * Null when the window is shorter than `minWindowInMs` or a process reported only once in it (its rate unknown).
 * Pure.
 */
export function operationsPerSendAtFullRate(
  reports: readonly (readonly BudgetReport[])[],
  arrivalsEpochMs: readonly number[],
  { edgeInMs = 3_000, minWindowInMs = 5_000 }: { edgeInMs?: number; minWindowInMs?: number } = {},
): number | null {
  if (arrivalsEpochMs.length === 0) return null;
  const from = Math.min(...arrivalsEpochMs) + edgeInMs;
  const to = Math.max(...arrivalsEpochMs) - edgeInMs;
  if (to - from < minWindowInMs) return null;
  const sendsPerMs = arrivalsEpochMs.filter((t) => t >= from && t <= to).length / (to - from);
  if (sendsPerMs === 0) return null;
  let operationsPerMs = 0;
  for (const process of reports) {
    const inside = process.filter((report) => report.at >= from && report.at <= to).sort((a, b) => a.at - b.at);
    if (inside.length === 0) continue;
    const [first, last] = [inside[0], inside[inside.length - 1]] as [BudgetReport, BudgetReport];
    if (last.at === first.at) return null;
    operationsPerMs += (last.tableOperations - first.tableOperations) / (last.at - first.at);
  }
  return operationsPerMs / sendsPerMs;
}
