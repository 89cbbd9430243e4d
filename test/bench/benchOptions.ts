import { parseArgs } from 'node:util';

export const figureNames = ['throughput', 'cpu', 'coldstart', 'capture', 'intake', 'intakerate', 'scaleout'] as const;
export type FigureName = (typeof figureNames)[number];

/** Sizes and switches of one `npm run bench`; every size is a flag so a run can be made small or large. */
export interface BenchOptions {
  only: readonly FigureName[];
  outDir: string;
  /** Throughput: one tenant with this many conversations, one notification to all of them. */
  tenantConversations: number;
  /** Throughput: this many notifications to one conversation. */
  busyMessages: number;
  /** Throughput (and the CPU figure): several tenants with this many conversations each, one broadcast each. */
  tenants: number;
  conversationsPerTenant: number;
  /** The naive Connector sender's requests in flight; 0 = all at once, as a plain Promise.all does. */
  baselineConcurrency: number;
  /** CloudAdapter template sends in flight (templates loop; a few in parallel keeps the run short). */
  templateConcurrency: number;
  coldStartRepeats: number;
  /** Capture latency: signed activities per second and for how long (open loop: arrivals do not wait). */
  captureRate: number;
  captureSeconds: number;
  captureConversations: number;
  intakeConversations: number;
  /** Stop watching the intake after this long (the figure then says how far it came). */
  intakeDeadlineSeconds: number;
  /** Intake rate: single-conversation POSTs per second, open loop, for this long, to tenants × conversations round robin. */
  intakeRate: number;
  intakeRateSeconds: number;
  intakeRateTenants: number;
  intakeRateConversationsPerTenant: number;
  seedConcurrency: number;
  /** Scale-out: how many gateway processes share the one-tenant work, one run per count. */
  scaleOutInstances: readonly number[];
  /** Teams' per-tenant limit for the emulator to enforce (and the gateway's ceiling); absent, the emulator's 50. */
  tenantLimit?: number;
  /** The largest K's comparison rows: each process with its own queue and POST, and each pacing alone. */
  scaleOutExtraRows: boolean;
  /** Extra settings for the gateway process (`--gateway-env PerTenantRequestsPerSecond=50`). */
  gatewayEnv: Readonly<Record<string, string>>;
  /** `--cpu-prof`: each gateway process writes its CPU profile to `<out>/profiles/`. */
  cpuProfile: boolean;
  smoke: boolean;
}

const defaults: Omit<BenchOptions, 'only' | 'outDir' | 'gatewayEnv' | 'cpuProfile' | 'smoke' | 'scaleOutInstances' | 'scaleOutExtraRows' | 'tenantLimit'> = {
  tenantConversations: 1000,
  busyMessages: 100,
  tenants: 4,
  conversationsPerTenant: 500,
  baselineConcurrency: 0,
  templateConcurrency: 8,
  coldStartRepeats: 5,
  captureRate: 50,
  captureSeconds: 20,
  captureConversations: 100,
  intakeConversations: 10_000,
  intakeDeadlineSeconds: 120,
  intakeRate: 200,
  intakeRateSeconds: 20,
  intakeRateTenants: 40,
  intakeRateConversationsPerTenant: 5,
  seedConcurrency: 32,
};

/** `--smoke`: every figure at a size that finishes in about a minute, so `npm test` keeps the harness alive. */
const smokeSizes: typeof defaults = {
  tenantConversations: 20,
  busyMessages: 10,
  tenants: 2,
  conversationsPerTenant: 10,
  baselineConcurrency: 0,
  templateConcurrency: 4,
  coldStartRepeats: 1,
  captureRate: 10,
  captureSeconds: 2,
  captureConversations: 5,
  intakeConversations: 200,
  intakeDeadlineSeconds: 60,
  intakeRate: 10,
  intakeRateSeconds: 2,
  intakeRateTenants: 2,
  intakeRateConversationsPerTenant: 2,
  seedConcurrency: 16,
};

const numberFlags = {
  'tenant-conversations': 'tenantConversations',
  'busy-messages': 'busyMessages',
  tenants: 'tenants',
  'conversations-per-tenant': 'conversationsPerTenant',
  'baseline-concurrency': 'baselineConcurrency',
  'template-concurrency': 'templateConcurrency',
  'cold-start-repeats': 'coldStartRepeats',
  'capture-rate': 'captureRate',
  'capture-seconds': 'captureSeconds',
  'capture-conversations': 'captureConversations',
  'intake-conversations': 'intakeConversations',
  'intake-deadline-seconds': 'intakeDeadlineSeconds',
  'intake-rate': 'intakeRate',
  'intake-rate-seconds': 'intakeRateSeconds',
  'intake-rate-tenants': 'intakeRateTenants',
  'intake-rate-conversations-per-tenant': 'intakeRateConversationsPerTenant',
  'seed-concurrency': 'seedConcurrency',
} as const satisfies Record<string, keyof typeof defaults>;

export const benchUsage = `npm run bench -- [options]
  --only <figures>                comma-separated: ${figureNames.join(', ')} (default: all)
  --smoke                         tiny sizes (what npm test runs)
  --out <dir>                     where results go (default bench-results)
  --gateway-env KEY=VALUE         extra gateway setting, repeatable (e.g. PerTenantRequestsPerSecond=50)
  --cpu-prof                      each gateway process writes a CPU profile to <out>/profiles/
  --scale-out-instances <list>    gateway processes per scale-out run (default 1,2,4; smoke 1,2)
  --tenant-limit <n>              Teams' per-tenant limit in the emulator and the gateway's ceiling (default 50)
  --scale-out-largest-only        skip the largest K's extra rows (a queue and a POST each; each process pacing alone; a busy host)
${Object.entries(numberFlags)
  .map(([flag, key]) => `  --${flag} <n>`.padEnd(34) + `default ${defaults[key]} (smoke ${smokeSizes[key]})`)
  .join('\n')}`;

/** Flags → options; throws one message naming every bad flag. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      smoke: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      'gateway-env': { type: 'string', multiple: true },
      'scale-out-instances': { type: 'string' },
      'scale-out-largest-only': { type: 'boolean' },
      'tenant-limit': { type: 'string' },
      ...Object.fromEntries(Object.keys(numberFlags).map((flag) => [flag, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const problems: string[] = [];
  const smoke = values.smoke === true;
  const sizes = { ...(smoke ? smokeSizes : defaults) };
  for (const [flag, key] of Object.entries(numberFlags)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    const minimum = key === 'baselineConcurrency' ? 0 : 1;
    if (!Number.isInteger(value) || value < minimum) problems.push(`--${flag} must be a whole number >= ${minimum}, got "${raw}"`);
    else sizes[key] = value;
  }
  const only: FigureName[] = [];
  for (const name of (values.only ?? []).flatMap((list) => list.split(',')).map((s) => s.trim().toLowerCase())) {
    const figure = figureNames.find((f) => f === name);
    if (figure === undefined) problems.push(`--only: unknown figure "${name}" (one of ${figureNames.join(', ')})`);
    else if (!only.includes(figure)) only.push(figure);
  }
  const gatewayEnv: Record<string, string> = {};
  for (const pair of values['gateway-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) problems.push(`--gateway-env wants KEY=VALUE, got "${pair}"`);
    else gatewayEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const scaleOutInstances = (values['scale-out-instances'] ?? (smoke ? '1,2' : '1,2,4')).split(',').map((part) => Number(part.trim()));
  if (scaleOutInstances.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) problems.push(`--scale-out-instances wants whole numbers from 1 to 16, got "${values['scale-out-instances'] ?? ''}"`);
  const tenantLimitText = values['tenant-limit'];
  const tenantLimit = tenantLimitText === undefined ? undefined : Number(tenantLimitText);
  if (tenantLimit !== undefined && (!Number.isInteger(tenantLimit) || tenantLimit < 1)) problems.push(`--tenant-limit wants a whole number >= 1, got "${tenantLimitText ?? ''}"`);
  // The gateway's ceiling follows the emulator's limit unless a setting says otherwise.
  if (tenantLimit !== undefined) gatewayEnv.PerTenantRequestsPerSecond ??= String(tenantLimit);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    ...(tenantLimit === undefined ? {} : { tenantLimit }), ...sizes, only: only.length === 0 ? figureNames : only, outDir: values.out ?? 'bench-results', gatewayEnv, cpuProfile: values['cpu-prof'] === true, smoke, scaleOutInstances, scaleOutExtraRows: values['scale-out-largest-only'] !== true };
}
