import { type BenchReport, type DeliveryRun, type Maybe, type ModuleLoad } from './benchReport';

/** One printed line: a figure, ours, the baseline's, ours ÷ baseline, and the limit it is held against. */
export interface TableRow {
  /** A heading line: printed alone, naming the figure and what the columns compare. */
  section?: boolean;
  figure: string;
  ours: string;
  baseline: string;
  ratio: string;
  limit: string;
}

const dash = '–';

const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined || Number.isNaN(ms) ? dash : `${(ms / 1000).toFixed(1)} s`);
const millis = (ms: number | null | undefined): string => (ms === null || ms === undefined || Number.isNaN(ms) ? dash : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const megabytes = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined || Number.isNaN(bytes) ? dash : `${(bytes / 1048576).toFixed(0)} MB`);
const perSecond = (rate: number | null | undefined): string => (rate === null || rate === undefined ? dash : `${rate.toFixed(1)}/s`);
const share = (fraction: number | null | undefined): string => (fraction === null || fraction === undefined ? '' : ` (${(fraction * 100).toFixed(0)}%)`);

function ratio(ours: number | null | undefined, baseline: number | null | undefined): string {
  if (ours === null || ours === undefined || baseline === null || baseline === undefined || baseline === 0 || Number.isNaN(ours) || Number.isNaN(baseline)) return dash;
  return `${(ours / baseline).toFixed(2)}×`;
}

function value<T>(run: Maybe<DeliveryRun>, pick: (run: DeliveryRun) => T): T | undefined {
  return run.measured ? pick(run) : undefined;
}

function cell(run: Maybe<DeliveryRun>, format: (run: DeliveryRun) => string): string {
  return run.measured ? format(run) : 'not measured';
}

function deliveryRows(ours: Maybe<DeliveryRun>, baseline: Maybe<DeliveryRun>, ceiling: { perSecond: number | null; idealInMs: number }): TableRow[] {
  return [
    {
      figure: '  delivered',
      ours: cell(ours, (r) => `${r.delivered} of ${r.deliveriesExpected}`),
      baseline: cell(baseline, (r) => `${r.delivered} of ${r.deliveriesExpected}`),
      ratio: dash,
      limit: 'all',
    },
    {
      figure: '  delivered/s (share of ceiling)',
      ours: cell(ours, (r) => `${perSecond(r.deliveredPerSecond)}${share(r.fractionOfCeiling)}`),
      baseline: cell(baseline, (r) => `${perSecond(r.deliveredPerSecond)}${share(r.fractionOfCeiling)}`),
      ratio: ratio(value(ours, (r) => r.deliveredPerSecond), value(baseline, (r) => r.deliveredPerSecond)),
      limit: `${perSecond(ceiling.perSecond)} ceiling`,
    },
    {
      figure: '  time to last delivery',
      ours: cell(ours, (r) => seconds(r.timeToLastDeliveryInMs)),
      baseline: cell(baseline, (r) => seconds(r.timeToLastDeliveryInMs)),
      ratio: ratio(value(ours, (r) => r.timeToLastDeliveryInMs), value(baseline, (r) => r.timeToLastDeliveryInMs)),
      limit: `${seconds(ceiling.idealInMs)} ideal`,
    },
    { figure: '  429s received', ours: cell(ours, (r) => String(r.throttled)), baseline: cell(baseline, (r) => String(r.throttled)), ratio: dash, limit: dash },
    {
      figure: '  Connector requests per delivery',
      ours: cell(ours, (r) => (r.connectorRequestsPerDelivery === null ? dash : r.connectorRequestsPerDelivery.toFixed(2))),
      baseline: cell(baseline, (r) => (r.connectorRequestsPerDelivery === null ? dash : r.connectorRequestsPerDelivery.toFixed(2))),
      ratio: ratio(value(ours, (r) => r.connectorRequestsPerDelivery), value(baseline, (r) => r.connectorRequestsPerDelivery)),
      limit: '1',
    },
    { figure: '  duplicates', ours: cell(ours, (r) => String(r.duplicates)), baseline: cell(baseline, (r) => String(r.duplicates)), ratio: dash, limit: '0' },
    {
      figure: '  CPU s per 1,000 deliveries',
      ours: cell(ours, (r) => (r.cpuSecondsPer1000Deliveries === null ? dash : r.cpuSecondsPer1000Deliveries.toFixed(2))),
      baseline: cell(baseline, (r) => (r.cpuSecondsPer1000Deliveries === null ? dash : r.cpuSecondsPer1000Deliveries.toFixed(2))),
      ratio: ratio(value(ours, (r) => r.cpuSecondsPer1000Deliveries), value(baseline, (r) => r.cpuSecondsPer1000Deliveries)),
      limit: dash,
    },
    {
      figure: '  fresh gateway: up / first POST / first delivery',
      ours: cell(ours, (r) => (r.firstCalls === null ? dash : `${millis(r.firstCalls.startToHttpInMs)} / ${millis(r.firstCalls.firstNotificationInMs)} / ${millis(r.firstCalls.firstDeliveryInMs)}`)),
      baseline: dash,
      ratio: dash,
      limit: dash,
    },
    {
      figure: '  peak RSS of the sender',
      ours: cell(ours, (r) => megabytes(r.peakRssBytes)),
      baseline: cell(baseline, (r) => megabytes(r.peakRssBytes)),
      ratio: ratio(value(ours, (r) => r.peakRssBytes), value(baseline, (r) => r.peakRssBytes)),
      limit: dash,
    },
  ];
}

function section(figure: string): TableRow {
  return { section: true, figure, ours: '', baseline: '', ratio: '', limit: '' };
}

function notMeasuredRow(figure: string, reason: string): TableRow {
  return { figure, ours: `not measured: ${reason}`, baseline: '', ratio: '', limit: '' };
}

function loadRows(label: string, ours: ModuleLoad, baseline: ModuleLoad, node: ModuleLoad): TableRow[] {
  return [
    { figure: label, ours: millis(ours.requireInMs), baseline: millis(baseline.requireInMs), ratio: ratio(ours.requireInMs, baseline.requireInMs), limit: dash },
    {
      figure: '  RSS after loading',
      ours: megabytes(ours.rssBytes),
      baseline: megabytes(baseline.rssBytes),
      ratio: ratio(ours.rssBytes, baseline.rssBytes),
      limit: `node alone ${megabytes(node.rssBytes)}`,
    },
  ];
}

/** Rows for every figure in the report, in the order of the issue. */
export function tableRows(report: BenchReport): TableRow[] {
  const rows: TableRow[] = [];
  const { throughput, cpu, coldStart, capture, intake, intakeRate, scaleOut } = report.figures;
  if (throughput !== undefined) {
    if (!throughput.measured) rows.push(notMeasuredRow('1. throughput', throughput.reason));
    else {
      for (const scenario of throughput.scenarios) {
        rows.push(section(`1. Throughput, ${scenario.description}: gateway vs naive ConnectorClient`));
        rows.push(...deliveryRows(scenario.ours, scenario.baseline, { perSecond: scenario.ceiling.deliveriesPerSecond, idealInMs: scenario.ceiling.idealTimeToLastDeliveryInMs }));
      }
    }
  }
  if (cpu !== undefined) {
    if (!cpu.measured) rows.push(notMeasuredRow('2. CPU per delivery', cpu.reason));
    else {
      rows.push(section(`2. CPU per delivery, ${cpu.workload}: gateway vs CloudAdapter.continueConversationAsync`));
      const [delivered, , , , , cpuRow, rss] = deliveryRows(cpu.ours, cpu.template, { perSecond: null, idealInMs: 0 });
      for (const row of [cpuRow, delivered, rss]) if (row !== undefined) rows.push(row);
      rows.push({
        figure: '  Table round trips per delivery (intake included)',
        ours: cell(cpu.ours, (r) => (r.tableRoundTripsPerDelivery === null ? dash : `${r.tableRoundTripsPerDelivery.toFixed(2)} ${kinds(r.tableRoundTrips?.byKind)}`)),
        baseline: dash,
        ratio: dash,
        limit: '3',
      });
    }
  }
  if (coldStart !== undefined) {
    if (!coldStart.measured) rows.push(notMeasuredRow('3. cold start', coldStart.reason));
    else {
      rows.push(section(`3. Cold start, fresh node process, median of ${coldStart.functionsEntry.repeats}: gateway vs require('botbuilder')`));
      rows.push(...loadRows('  require dist/functions/index.js', coldStart.functionsEntry, coldStart.botbuilder, coldStart.node));
      rows.push(...loadRows('  require gatewayFunctions.js only', coldStart.gatewayDefinitions, coldStart.botbuilder, coldStart.node));
      const bundle = coldStart.bundledFunctionsEntry;
      if (bundle.measured) rows.push(...loadRows(`  esbuild bundle of the entry (${megabytes(bundle.bundleBytes)})`, bundle, coldStart.botbuilder, coldStart.node));
      else rows.push(notMeasuredRow('  esbuild bundle of the entry', bundle.reason));
      // Each dependency alone: the most a lazy import of it could take off the entry (they share modules).
      for (const dependency of [...coldStart.dependencies].sort((x, y) => y.requireInMs - x.requireInMs)) {
        rows.push({
          figure: `  alone: ${dependency.module}`,
          ours: dependency.error === undefined ? `${millis(dependency.requireInMs)}, ${megabytes(dependency.rssBytes)}` : `failed: ${dependency.error}`,
          baseline: '',
          ratio: '',
          limit: '',
        });
      }
    }
  }
  if (capture !== undefined) {
    if (!capture.measured) rows.push(notMeasuredRow('4. capture latency', capture.reason));
    else {
      rows.push(section(`4. Capture latency, /api/messages at ${capture.targetRatePerSecond}/s, ${capture.requests} signed activities (ratio = share of the budget)`));
      for (const [label, ms] of [
        ['p50', capture.p50InMs],
        ['p99', capture.p99InMs],
        ['max', capture.maxInMs],
      ] as const) {
        rows.push({ figure: `  ${label}`, ours: millis(ms), baseline: '', ratio: `${((ms / capture.budgetInMs) * 100).toFixed(2)}%`, limit: `${seconds(capture.budgetInMs)} Bot Framework` });
      }
      const errors = Object.entries(capture.errors).map(([status, n]) => `${n}×${status}`).join(', ');
      rows.push({ figure: '  errors', ours: errors === '' ? '0' : errors, baseline: '', ratio: '', limit: '0' });
      rows.push({ figure: '  peak RSS of the gateway', ours: megabytes(capture.peakRssBytes), baseline: '', ratio: '', limit: dash });
    }
  }
  if (intake !== undefined) {
    if (!intake.measured) rows.push(notMeasuredRow('5. intake', intake.reason));
    else {
      rows.push(section(`5. Intake, one tenant-wide broadcast to ${intake.conversations} conversations`));
      rows.push({ figure: '  time to 202', ours: millis(intake.answerInMs), baseline: '', ratio: '', limit: dash });
      rows.push({
        figure: '  time to fully enqueued',
        ours: intake.fullyEnqueuedInMs === null ? `not reached: ${intake.notes.join('; ')}` : seconds(intake.fullyEnqueuedInMs),
        baseline: '',
        ratio: '',
        limit: `±${seconds(intake.pollIntervalInMs)} (poll)`,
      });
      rows.push({ figure: '  deliveries queued per second', ours: perSecond(intake.enqueuedPerSecond), baseline: '', ratio: '', limit: dash });
      const cpu = (s: number | null): string => (s === null ? dash : `${s.toFixed(1)} s`);
      rows.push({ figure: '  CPU over the intake: gateway / Azurite', ours: `${cpu(intake.gatewayCpuSeconds)} / ${cpu(intake.azuriteCpuSeconds)}`, baseline: '', ratio: '', limit: dash });
      rows.push({ figure: '  peak RSS of the gateway', ours: megabytes(intake.peakRssBytes), baseline: '', ratio: '', limit: dash });
      rows.push({
        figure: '  Table round trips until queued (per delivery)',
        ours: `${intake.tableRoundTrips.requests} (${intake.tableRoundTripsPerQueuedDelivery?.toFixed(2) ?? dash}) ${kinds(intake.tableRoundTrips.byKind)}`,
        baseline: '',
        ratio: '',
        limit: dash,
      });
    }
  }
  if (scaleOut !== undefined) rows.push(...scaleOutRows(scaleOut));
  if (intakeRate !== undefined) rows.push(...intakeRateRows(intakeRate));
  return rows;
}

/** Figure 8: open-loop single-conversation POSTs, their latency and what each sent copy cost in Table round trips. */
function intakeRateRows(figure: NonNullable<BenchReport['figures']['intakeRate']>): TableRow[] {
  if (!figure.measured) return [notMeasuredRow('8. intake rate', figure.reason)];
  const cpu = (s: number | null): string => (s === null ? dash : `${s.toFixed(1)} s`);
  const refused = figure.requests - (figure.statuses['202'] ?? 0);
  return [
    section(`8. Intake rate, ${figure.requests} single-conversation POSTs at ${figure.requestsPerSecond}/s, open loop`),
    { figure: '  answer p50 / p99 / max', ours: `${millis(figure.latencyInMs.p50)} / ${millis(figure.latencyInMs.p99)} / ${millis(figure.latencyInMs.max)}`, baseline: '', ratio: '', limit: 'p99 50 ms' },
    { figure: '  not 202', ours: refused === 0 ? '0' : `${refused} ${JSON.stringify(figure.statuses)}`, baseline: '', ratio: '', limit: '0' },
    { figure: '  copies sent, last at', ours: `${figure.sent}, ${seconds(figure.allSentInMs)}`, baseline: '', ratio: '', limit: dash },
    { figure: '  Table round trips per POST, intake alone', ours: `${figure.intakeRoundTripsPerPost.toFixed(2)} ${kinds(figure.intakeTables.byKind)}`, baseline: '', ratio: '', limit: dash },
    {
      figure: '  Table round trips per sent copy',
      ours: `${figure.roundTripsPerSentDelivery?.toFixed(2) ?? dash} ${kinds(figure.tables.byKind)}`,
      baseline: '',
      ratio: '',
      limit: '3',
    },
    { figure: '  CPU: gateway / Azurite', ours: `${cpu(figure.gatewayCpuSeconds)} / ${cpu(figure.azuriteCpuSeconds)}`, baseline: '', ratio: '', limit: dash },
    { figure: '  peak RSS of the gateway', ours: megabytes(figure.peakRssBytes), baseline: '', ratio: '', limit: dash },
  ];
}

/** Round trips by kind, most first: `{$batch 20, GET deliveries 10}`. */
function kinds(byKind: Readonly<Record<string, number>> | undefined): string {
  if (byKind === undefined) return '';
  const parts = Object.entries(byKind)
    .sort(([, x], [, y]) => y - x)
    .map(([kind, count]) => `${kind} ${count}`);
  return parts.length === 0 ? '' : `{${parts.join(', ')}}`;
}

/** Figure 7: one row per run; "ours" is the shared budget, the per-process baseline is its own row. */
function scaleOutRows(figure: NonNullable<BenchReport['figures']['scaleOut']>): TableRow[] {
  if (!figure.measured) return [notMeasuredRow('7. scale-out', figure.reason)];
  const rows = [section(`7. Scale-out, 1 tenant × ${figure.conversations} conversations shared out over K gateway processes (one Azurite, one emulator)`)];
  for (const run of figure.runs) {
    if (!run.measured) {
      rows.push(notMeasuredRow('  run', run.reason));
      continue;
    }
    const atFullRate = run.budgetOperationsPerSendAtFullRate === null ? '' : ` (${run.budgetOperationsPerSendAtFullRate.toFixed(3)} at full rate)`;
    const operations = run.budgetOperationsPerSend === null ? '' : `, ${run.budgetOperationsPerSend.toFixed(3)} Table ops/send${atFullRate}`;
    const split = run.sentPerProcess.length > 1 ? `, sent ${run.sentPerProcess.join('/')}` : '';
    rows.push({
      figure: `  K = ${run.instances}, ${run.budget === 'shared' ? 'shared tenant budget' : 'each process pacing alone'}, ${run.queue === 'shared' ? 'one queue' : 'a queue and a POST each'}${run.busyProcesses > 0 ? `, ${run.busyProcesses} busy processes` : ''}`,
      ours: `${run.delivered} of ${run.deliveriesExpected}, ${seconds(run.sendingSpanInMs)}${share(run.fractionOfCeiling)}`,
      baseline: `${run.throttled} × 429, ${run.duplicates} dup.`,
      ratio: dash,
      limit: `${seconds(figure.idealTimeToLastDeliveryInMs)} ideal${operations}${split}`,
    });
  }
  return rows;
}

/** Fixed-width columns; long cells (reasons) run on rather than being cut. */
export function formatTable(rows: readonly TableRow[]): string {
  const header: TableRow = { figure: 'figure', ours: 'ours', baseline: 'baseline', ratio: 'ratio', limit: 'limit' };
  const all = [header, ...rows];
  const columns = all.filter((row) => row.section !== true);
  const width = (pick: (row: TableRow) => string, cap: number): number => Math.min(cap, Math.max(...columns.map((row) => pick(row).length)));
  const widths = [width((r) => r.figure, 52), width((r) => r.ours, 24), width((r) => r.baseline, 20), width((r) => r.ratio, 10)];
  const line = (row: TableRow): string =>
    row.section === true
      ? `\n${row.figure}`
      : [row.figure.padEnd(widths[0] ?? 0), row.ours.padEnd(widths[1] ?? 0), row.baseline.padEnd(widths[2] ?? 0), row.ratio.padEnd(widths[3] ?? 0), row.limit].join('  ').trimEnd();
  return [line(header), '-'.repeat((widths[0] ?? 0) + (widths[1] ?? 0) + (widths[2] ?? 0) + (widths[3] ?? 0) + 20), ...rows.map(line)].join('\n');
}
