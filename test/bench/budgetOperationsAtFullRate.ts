/** One `{"event":"tenantBudget",...}` line of a gateway's log: its Table operations on the budget so far, at `at` (epoch ms). */
export interface BudgetReport {
  at: number;
  tableOperations: number;
}

/**
 * The shared budget's Table operations per send at full rate (#13 asks for at most one per 10 sends there): between
 * `edgeInMs` after a broadcast's first arrival and `edgeInMs` before its last, where the start's first leases and
 * conflicts and the end's shrinking parts and releases are left out. Each process's running count is interpolated
 * at both ends of that window from its reports (a report follows its leases by up to a second), the differences
 * are summed over the processes and divided by the arrivals in the window. Null when the window is shorter than
 * `minWindowInMs` or nothing arrived in it. Pure.
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
  const sends = arrivalsEpochMs.filter((t) => t >= from && t <= to).length;
  if (sends === 0) return null;
  const operations = reports.reduce((sum, process) => sum + countAt(process, to) - countAt(process, from), 0);
  return operations / sends;
}

/** A process's running count at t, linear between its reports, flat before the first and after the last. */
function countAt(reports: readonly BudgetReport[], t: number): number {
  const sorted = [...reports].sort((a, b) => a.at - b.at);
  const after = sorted.findIndex((report) => report.at >= t);
  if (after === -1) return sorted[sorted.length - 1]?.tableOperations ?? 0;
  const next = sorted[after] as BudgetReport;
  const previous = sorted[after - 1];
  if (previous === undefined || next.at === t) return next.tableOperations;
  return previous.tableOperations + ((next.tableOperations - previous.tableOperations) * (t - previous.at)) / (next.at - previous.at);
}
