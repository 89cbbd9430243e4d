import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import type * as EsbuildNamespace from 'esbuild';

import { repoRoot } from './benchChild';
import { type ColdStartFigure, type Maybe, type ModuleLoad, notMeasured } from './benchReport';

type EsbuildModule = typeof EsbuildNamespace;

const execFileAsync = promisify(execFile);
const probe = path.join(repoRoot, 'dist/test/bench/moduleLoadProbe.js');

interface ProbeOutput {
  requireInMs?: number;
  processToLoadedInMs?: number;
  rssBytes?: number;
  heapUsedBytes?: number;
  error?: string;
}

/**
 * Figure 3: what a cold instance pays before the first invocation, measured as the Functions worker pays it:
 * `require` of the compiled entry (dist/functions/index.js, which registers the functions; the Service Bus
 * SDK binding and the Bot Connector stack load on their first use) in a fresh Node process, against `botbuilder` alone. Also: the
 * definitions module without the registration, an esbuild bundle of the entry, and each runtime dependency
 * alone (the most lazy loading of it could save).
 */
export async function runColdStartBenchmark(repeats: number, workDir: string, log: (line: string) => void): Promise<ColdStartFigure> {
  if (!existsSync(probe)) throw new Error('dist/test/bench/moduleLoadProbe.js is not built');
  const bundle = await buildBundle(workDir);
  const main: Target[] = [
    { label: 'node alone', module: '(none)' },
    { label: 'functions entry (dist/functions/index.js)', module: path.join(repoRoot, 'dist/functions/index.js') },
    { label: 'function definitions (dist/functions/gatewayFunctions.js)', module: path.join(repoRoot, 'dist/functions/gatewayFunctions.js') },
    { label: 'botbuilder', module: 'botbuilder' },
    ...(bundle.measured ? [{ label: 'functions entry, esbuild bundle', module: bundle.outfile }] : []),
  ];
  const [node, functionsEntry, gatewayDefinitions, botbuilder, bundled] = (await measureInterleaved(main, repeats)) as [ModuleLoad, ModuleLoad, ModuleLoad, ModuleLoad, ModuleLoad?];
  log(`coldstart: entry ${functionsEntry.requireInMs.toFixed(0)} ms, botbuilder ${botbuilder.requireInMs.toFixed(0)} ms; each dependency alone...`);
  let bundledFunctionsEntry: ColdStartFigure['bundledFunctionsEntry'];
  if (!bundle.measured) bundledFunctionsEntry = bundle;
  else if (bundled === undefined || bundled.repeats === 0) bundledFunctionsEntry = notMeasured(`the bundle does not load: ${bundled?.error ?? 'unknown error'}`);
  else bundledFunctionsEntry = { measured: true, ...bundled, bundleBytes: bundle.bundleBytes, buildInMs: bundle.buildInMs };

  const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const dependencies = await measureInterleaved(
    Object.keys(packageJson.dependencies ?? {}).map((name) => ({ label: name, module: name })),
    Math.min(repeats, 3),
  );
  return { node, functionsEntry, gatewayDefinitions, botbuilder, bundledFunctionsEntry, dependencies };
}

interface Target {
  label: string;
  module: string;
}

/**
 * Medians over `repeats` fresh processes per target, one process at a time (parallel ones would share the
 * cores), the targets taken in turn each round so that a change in the machine's load hits them all alike.
 */
async function measureInterleaved(targets: readonly Target[], repeats: number): Promise<ModuleLoad[]> {
  const samples = targets.map((): ProbeOutput[] => []);
  for (let round = 0; round < repeats; round++) {
    for (const [index, target] of targets.entries()) samples[index]?.push(await runProbe(target.module));
  }
  return targets.map((target, index) => summarize(target, samples[index] ?? []));
}

function summarize(target: Target, samples: readonly ProbeOutput[]): ModuleLoad {
  const ok = samples.filter((s) => s.error === undefined);
  const result: ModuleLoad = {
    label: target.label,
    module: path.isAbsolute(target.module) ? path.relative(repoRoot, target.module) : target.module,
    repeats: ok.length,
    requireInMs: median(ok.map((s) => s.requireInMs ?? 0)),
    processToLoadedInMs: median(ok.map((s) => s.processToLoadedInMs ?? 0)),
    rssBytes: median(ok.map((s) => s.rssBytes ?? 0)),
    heapUsedBytes: median(ok.map((s) => s.heapUsedBytes ?? 0)),
  };
  const failed = samples.find((s) => s.error !== undefined);
  if (failed?.error !== undefined) result.error = failed.error;
  return result;
}

async function runProbe(module: string): Promise<ProbeOutput> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [probe, module], { cwd: repoRoot, timeout: 60_000, maxBuffer: 1024 * 1024 });
    const line = stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as ProbeOutput;
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

/** The entry and everything it requires in one minified file: fewer files to find, read and compile. */
async function buildBundle(workDir: string): Promise<Maybe<{ outfile: string; bundleBytes: number; buildInMs: number }>> {
  let esbuild: EsbuildModule;
  try {
    esbuild = await import('esbuild');
  } catch {
    return notMeasured('esbuild is not installed (npm install -D esbuild)');
  }
  mkdirSync(workDir, { recursive: true });
  const outfile = path.join(workDir, 'functions-index.bundle.js');
  const started = performance.now();
  try {
    await esbuild.build({
      entryPoints: [path.join(repoRoot, 'dist/functions/index.js')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      // Provided by the Functions host at run time (the library runs in "test mode" without it), as in Azure.
      external: ['@azure/functions-core'],
      logLevel: 'silent',
    });
  } catch (error) {
    const first = (error as { errors?: { text?: string }[] }).errors?.[0]?.text;
    return notMeasured(`esbuild could not bundle dist/functions/index.js: ${first ?? (error instanceof Error ? error.message : String(error))}`);
  }
  return { measured: true, outfile, bundleBytes: statSync(outfile).size, buildInMs: performance.now() - started };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
