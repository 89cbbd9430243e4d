/**
 * `node moduleLoadProbe.js <module>`: loads one module in this fresh process and prints, as one JSON line, how
 * long `require` took, how long since the process started, and the memory then. Nothing else is loaded first.
 */
import { createRequire } from 'node:module';

const target = process.argv[2];
if (target === undefined || target === '') {
  process.stdout.write(`${JSON.stringify({ error: 'usage: moduleLoadProbe.js <module>' })}\n`);
  process.exit(2);
}
const started = performance.now();
try {
  // Resolved as if required from here, as `require(target)` would be; createRequire itself loads nothing.
  if (target !== '(none)') createRequire(__filename)(target);
  const loaded = performance.now();
  const memory = process.memoryUsage();
  // performance.now() counts from the process's time origin, so `loaded` includes Node's own start-up.
  process.stdout.write(`${JSON.stringify({ requireInMs: loaded - started, processToLoadedInMs: loaded, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
}
// Some modules start timers or sockets when loaded (the Functions worker library); the probe is done either way.
process.exit(0);
