import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Chromium: playwright-core drives it (`npx playwright install` cannot download browsers here). */
export const debianChromiumPath = '/usr/bin/chromium';

export type BrowserAvailability = { available: true; executablePath: string } | { available: false; reason: string };

/** apt-get takes minutes on a cold cache; far more would mean it is stuck on a lock. */
const aptTimeoutInMs = 15 * 60_000;

/**
 * Finds Chromium, installing Debian's `chromium` package when it is missing and this process may (root, apt-get
 * present). Synchronous on purpose: a test file calls it while Jest collects tests, so it can skip its browser
 * tests (with the reason printed) instead of passing them silently. `CHROMIUM_PATH` names another build.
 */
export function ensureChromium(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): BrowserAvailability {
  const configured = process.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') {
    return existsSync(configured) ? { available: true, executablePath: configured } : { available: false, reason: `CHROMIUM_PATH=${configured} does not exist` };
  }
  if (existsSync(debianChromiumPath)) return { available: true, executablePath: debianChromiumPath };
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    return { available: false, reason: `no Chromium at ${debianChromiumPath} and no apt-get to install it; set CHROMIUM_PATH to a Chromium or Chrome executable` };
  }
  if (process.getuid?.() !== 0) {
    return { available: false, reason: `no Chromium at ${debianChromiumPath}, and only root may install it: run \`sudo apt-get install -y chromium\`` };
  }
  log(`Chromium is missing: installing Debian's chromium package (apt-get install -y chromium)...`);
  // A stale or empty package list does not know the package yet: refresh it once when the first try fails.
  const first = aptGet(['install', '-y', 'chromium']);
  if (first.status !== 0) {
    const update = aptGet(['update']);
    const second = update.status === 0 ? aptGet(['install', '-y', 'chromium']) : update;
    if (second.status !== 0) return { available: false, reason: `apt-get could not install chromium (exit ${second.status ?? 'none'}): ${second.tail}` };
  }
  return existsSync(debianChromiumPath)
    ? { available: true, executablePath: debianChromiumPath }
    : { available: false, reason: `apt-get installed chromium but ${debianChromiumPath} is missing` };
}

function aptGet(args: string[]): { status: number | null; tail: string } {
  const result = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: aptTimeoutInMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error === undefined ? '' : result.error.message}`;
  return { status: result.status, tail: output.trim().split('\n').slice(-5).join(' | ') };
}
