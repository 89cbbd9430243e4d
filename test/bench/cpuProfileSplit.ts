/**
 * `node dist/test/bench/cpuProfileSplit.js <file.cpuprofile>`: where a process's busy CPU time went, in the
 * groups the README's "Where the CPU goes" table uses (self time of each sampled frame, idle left out).
 * Hand-written: DevTools shows the same profile by function, not grouped by what the gateway spends it on.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const nativeWrites = new Set(['writev', 'writeLatin1String', 'writeBuffer', 'writeUtf8String']);

/** The README's group of one sampled frame; undefined for idle time. */
export function groupOf({ functionName, url }: ProfileNode['callFrame']): string | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'garbage collection';
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName !== undefined) {
    if (/^@azure\/(core-|data-tables|abort|logger)|^@typespec\//.test(packageName)) return 'Azure SDK pipelines';
    if (/botframework|botbuilder/.test(packageName)) return 'botframework-connector';
    if (packageName === 'zod') return 'validation (zod)';
    return 'other packages';
  }
  if (url.includes('/dist/')) return "the gateway's own code, the local host and its queue";
  if (/^node:(_http|net|tls|_tls|https|internal\/streams|internal\/stream_base|internal\/http)/.test(url) || nativeWrites.has(functionName)) return 'HTTP and sockets (Node)';
  if (/cjs\/loader|package_json/.test(url) || /readFileUtf8|internalModule/.test(functionName)) return 'module loading';
  return 'other Node internals';
}

/** Busy milliseconds per group, largest first. */
export function cpuSplit(profile: CpuProfile): { group: string; ms: number; share: number }[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byGroup = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const group = frame === undefined ? undefined : groupOf(frame);
    if (group !== undefined) byGroup.set(group, (byGroup.get(group) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const busy = [...byGroup.values()].reduce((sum, ms) => sum + ms, 0);
  return [...byGroup].map(([group, ms]) => ({ group, ms, share: busy === 0 ? 0 : ms / busy })).sort((a, b) => b.ms - a.ms);
}

if (require.main === module) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/test/bench/cpuProfileSplit.js <file.cpuprofile>\n');
    process.exit(2);
  }
  for (const { group, ms, share } of cpuSplit(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)) {
    process.stdout.write(`${(share * 100).toFixed(0).padStart(4)} %  ${ms.toFixed(0).padStart(7)} ms  ${group}\n`);
  }
}
