import { randomBytes } from 'node:crypto';

import { type EmulatorLimits } from '../../dev/teamsEmulator/emulatorLimits';
import { runBaselineDelivery } from './baselineDeliveryRun';
import { type BenchOptions } from './benchOptions';
import { type CpuFigure, type DeliveryRun, type Maybe, notMeasured, type ThroughputScenario } from './benchReport';
import { type BenchStack } from './benchStack';
import { runGatewayDelivery } from './gatewayDeliveryRun';
import { busyConversationPlan, oneTenantPlan, type ScenarioPlan, severalTenantsPlan, type ThroughputSeeds } from './throughputScenarios';

export interface ThroughputOutcome {
  scenarios: ThroughputScenario[];
  /** The gateway's several-tenants run, which the CPU figure reuses rather than repeating the same work. */
  severalTenantsGatewayRun?: Maybe<DeliveryRun>;
}

type Progress = (line: string) => void;

/** Figure 1: each scenario through a fresh gateway, then the same work by the naive Connector sender. */
export async function runThroughputBenchmark(stack: BenchStack, seeds: ThroughputSeeds, limits: EmulatorLimits, options: BenchOptions, log: Progress): Promise<ThroughputOutcome> {
  const plans = [oneTenantPlan(seeds, limits), busyConversationPlan(seeds, options.busyMessages, limits), severalTenantsPlan(seeds, limits)].filter(
    (plan): plan is ScenarioPlan => plan !== undefined,
  );
  const outcome: ThroughputOutcome = { scenarios: [] };
  for (const plan of plans) {
    log(`throughput: ${plan.scenario.description}: gateway...`);
    const ours = await runGatewayDelivery(stack, plan.gateway, seeds.warmUp, options.gatewayEnv).catch((error: unknown) => notMeasured(describe(error)));
    log(`throughput: ${plan.scenario.description}: gateway ${summary(ours)}; naive ConnectorClient...`);
    const baseline = await runBaselineDelivery(stack, 'naiveConnectorClient', { ...plan.baseline, concurrency: options.baselineConcurrency }).catch((error: unknown) =>
      notMeasured(describe(error)),
    );
    log(`throughput: ${plan.scenario.description}: naive ConnectorClient ${summary(baseline)}`);
    outcome.scenarios.push({ ...plan.scenario, ours, baseline });
    if (plan.scenario.name === 'severalTenants') outcome.severalTenantsGatewayRun = ours;
  }
  return outcome;
}

/**
 * Figure 2: CPU per 1,000 deliveries on the several-tenants work, the gateway (its run from figure 1 when it
 * ran) against the CloudAdapter template doing the same sends.
 */
export async function runCpuBenchmark(
  stack: BenchStack,
  seeds: ThroughputSeeds,
  limits: EmulatorLimits,
  options: BenchOptions,
  gatewayRun: Maybe<DeliveryRun> | undefined,
  log: Progress,
): Promise<CpuFigure> {
  const plan = severalTenantsPlan(seeds, limits);
  if (plan === undefined) throw new Error('the several-tenants conversations were not seeded');
  let ours = gatewayRun;
  if (ours === undefined) {
    log(`cpu: ${plan.scenario.description}: gateway...`);
    ours = await runGatewayDelivery(stack, { ...plan.gateway, runName: 'cpu-gateway' }, seeds.warmUp, options.gatewayEnv).catch((error: unknown) => notMeasured(describe(error)));
  }
  log(`cpu: ${plan.scenario.description}: CloudAdapter template...`);
  const templateTag = `cpu-template-${randomBytes(3).toString('hex')}`;
  const template = await runBaselineDelivery(stack, 'cloudAdapterTemplate', {
    ...plan.baseline,
    runName: 'cpu-cloudAdapterTemplate',
    tag: templateTag,
    messages: plan.baseline.messages.map((m) => ({ ...m, text: `Bench ${templateTag}` })),
    concurrency: options.templateConcurrency,
  }).catch((error: unknown) => notMeasured(describe(error)));
  log(`cpu: CloudAdapter template ${summary(template)}`);
  return { workload: plan.scenario.description, ours, template };
}

function summary(run: Maybe<DeliveryRun>): string {
  if (!run.measured) return `not measured: ${run.reason}`;
  const seconds = run.timeToLastDeliveryInMs === null ? '-' : (run.timeToLastDeliveryInMs / 1000).toFixed(1);
  return `${run.delivered}/${run.deliveriesExpected} delivered, last at ${seconds} s, ${run.throttled} × 429, ${run.failed} failed`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}
