import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type BenchReport, type DeliveryRun, type Maybe } from '../bench/benchReport';

/**
 * `npm run bench` at smoke sizes, so the harness cannot rot unnoticed. Not a timed test: it asserts only that
 * the run finished, that every figure is well formed (measured, or "not measured" with a reason), and that the
 * gateway delivered everything exactly once. Speed is the bench's business, not the tests'.
 */
const repoRoot = path.resolve(__dirname, '../..');
const entry = path.join(repoRoot, 'dist/test/bench/runBenchmarks.js');

function runBench(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, '--smoke', '--out', outDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function expectDeliveredOnce(run: Maybe<DeliveryRun>, context: string): void {
  if (!run.measured) throw new Error(`${context}: not measured: ${run.reason}`);
  expect({ context, failed: run.failed, duplicates: run.duplicates }).toEqual({ context, failed: 0, duplicates: 0 });
  expect(run.delivered).toBe(run.deliveriesExpected);
  expect(run.timeToLastDeliveryInMs).toBeGreaterThan(0);
  expect(run.perSecond.reduce((sum, n) => sum + n, 0)).toBe(run.delivered);
  // Every delivery and every 429 is a Connector request of its own: fewer is a miscount.
  expect(run.connectorRequests).toBeGreaterThanOrEqual(run.delivered + run.throttled);
}

function expectWellFormedBaseline(run: Maybe<DeliveryRun>): void {
  if (!run.measured) {
    expect(run.reason).toMatch(/\S/);
    return;
  }
  // `failed` is derived from `delivered`, so what can go wrong is counting a run's arrivals more than once.
  expect(run.delivered).toBeLessThanOrEqual(run.deliveriesExpected);
  expect(run.perSecond.reduce((sum, n) => sum + n, 0)).toBe(run.delivered);
  expect(run.cpuSeconds).toBeGreaterThanOrEqual(0);
}

describe('npm run bench (smoke sizes)', () => {
  let outDir: string;

  beforeAll(() => {
    if (!existsSync(entry)) throw new Error('dist/test/bench/runBenchmarks.js is missing: run `npm run build` first (npm test does)');
    outDir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
  });

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('runs every figure, writes the JSON, the chart and the table, and the gateway loses nothing', async () => {
    const { code, output } = await runBench(outDir);
    if (code !== 0) throw new Error(`bench exited with ${String(code)}:\n${output.slice(-4000)}`);
    expect(output).toContain('figure');

    const report = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchReport;
    expect(report.meta.cpus).toBeGreaterThan(0);
    const { throughput, cpu, coldStart, capture, intake, intakeRate, scaleOut } = report.figures;

    if (throughput?.measured !== true) throw new Error(`throughput not measured: ${throughput?.reason ?? 'missing'}`);
    expect(throughput.scenarios.map((s) => s.name)).toEqual(['oneTenant', 'busyConversation', 'severalTenants']);
    for (const scenario of throughput.scenarios) {
      expectDeliveredOnce(scenario.ours, `throughput ${scenario.name}`);
      expectWellFormedBaseline(scenario.baseline);
      expect(scenario.ceiling.idealTimeToLastDeliveryInMs).toBeGreaterThanOrEqual(0);
    }

    if (cpu?.measured !== true) throw new Error(`cpu not measured: ${cpu?.reason ?? 'missing'}`);
    expectDeliveredOnce(cpu.ours, 'cpu gateway');
    expectWellFormedBaseline(cpu.template);
    // Counted on the wire: every copy is at least read and marked sent, so fewer than 2 per delivery is a miscount.
    if (!cpu.ours.measured) throw new Error('unreachable');
    expect(cpu.ours.tableRoundTripsPerDelivery).toBeGreaterThanOrEqual(2);
    expect(Object.values(cpu.ours.tableRoundTrips?.byKind ?? {}).reduce((sum, n) => sum + n, 0)).toBe(cpu.ours.tableRoundTrips?.requests);

    if (coldStart?.measured !== true) throw new Error(`cold start not measured: ${coldStart?.reason ?? 'missing'}`);
    for (const load of [coldStart.node, coldStart.functionsEntry, coldStart.gatewayDefinitions, coldStart.botbuilder]) {
      expect({ module: load.module, error: load.error }).toEqual({ module: load.module, error: undefined });
      expect(load.requireInMs).toBeGreaterThanOrEqual(0);
      expect(load.rssBytes).toBeGreaterThan(0);
    }
    if (!coldStart.bundledFunctionsEntry.measured) expect(coldStart.bundledFunctionsEntry.reason).toMatch(/\S/);

    if (capture?.measured !== true) throw new Error(`capture not measured: ${capture?.reason ?? 'missing'}`);
    expect(capture.ok).toBe(capture.requests);
    expect(capture.p99InMs).toBeGreaterThanOrEqual(capture.p50InMs);

    if (intake?.measured !== true) throw new Error(`intake not measured: ${intake?.reason ?? 'missing'}`);
    expect(intake.fullyEnqueuedInMs).not.toBeNull();
    expect(intake.deliveriesQueued).toBe(intake.conversations);
    expect(intake.tableRoundTrips.batches).toBeGreaterThan(0);

    if (intakeRate?.measured !== true) throw new Error(`intake rate not measured: ${intakeRate?.reason ?? 'missing'}`);
    expect(intakeRate.statuses).toEqual({ '202': intakeRate.requests });
    expect(intakeRate.sent).toBe(intakeRate.requests);
    expect(intakeRate.latencyInMs.p99).toBeGreaterThanOrEqual(intakeRate.latencyInMs.p50);
    expect(intakeRate.intakeRoundTripsPerPost).toBeGreaterThan(0);
    expect(intakeRate.roundTripsPerSentDelivery).toBeGreaterThan(intakeRate.intakeRoundTripsPerPost);

    if (scaleOut?.measured !== true) throw new Error(`scale-out not measured: ${scaleOut?.reason ?? 'missing'}`);
    expect(scaleOut.runs.map((run) => (run.measured ? `${run.instances} ${run.budget} ${run.queue}` : run.reason))).toEqual([
      '1 shared shared',
      '2 shared shared',
      '2 shared own',
      '2 process shared',
    ]);
    for (const run of scaleOut.runs) {
      if (!run.measured) continue;
      // `failed` is derived from `delivered`: what can go wrong is counting an arrival twice or outside the chart.
      expect(run.delivered).toBeLessThanOrEqual(run.deliveriesExpected);
      expect(run.perSecond.reduce((sum, n) => sum + n, 0)).toBe(run.delivered);
      // Each process's log counts what it sent: together, every delivery once.
      expect(run.sentPerProcess).toHaveLength(run.instances);
      expect(run.sentPerProcess.reduce((sum, n) => sum + n, 0)).toBe(run.delivered);
      if (run.budget === 'shared') expect({ instances: run.instances, failed: run.failed, duplicates: run.duplicates }).toEqual({ instances: run.instances, failed: 0, duplicates: 0 });
    }

    const svg = readFileSync(path.join(outDir, 'deliveries.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
  }, 420_000);
});
