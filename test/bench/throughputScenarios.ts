import { randomBytes } from 'node:crypto';

import { type EmulatorLimits } from '../../dev/teamsEmulator/emulatorLimits';
import { type BaselineWork } from './baselineDeliveryRun';
import { type ThroughputScenario } from './benchReport';
import { type CreatedConversation } from './emulatorControl';
import { type GatewayWork } from './gatewayDeliveryRun';
import { type IdealSchedule, idealSchedule, perSecondCounts, type PlannedSend } from './idealSchedule';

/** The conversations the throughput runs deliver to, seeded once for the whole bench. */
export interface ThroughputSeeds {
  warmUp: CreatedConversation;
  /** The scale-out figure's: one per process of its largest run (the first is `warmUp`). */
  warmUps: readonly CreatedConversation[];
  oneTenant?: CreatedConversation[];
  /** One busy conversation for the gateway and another for the baseline: the 30 s and 1 h windows are per conversation. */
  busy?: { ours: CreatedConversation; baseline: CreatedConversation };
  severalTenants?: CreatedConversation[][];
}

/** One scenario, ready to run by the gateway and by a baseline: the same messages to the same conversations. */
export interface ScenarioPlan {
  scenario: Omit<ThroughputScenario, 'ours' | 'baseline'>;
  gateway: GatewayWork;
  baseline: Omit<BaselineWork, 'concurrency'>;
}

function newTag(runName: string): string {
  return `${runName}-${randomBytes(3).toString('hex')}`;
}

/** Time allowed for a run: a minute plus three times what the limits make unavoidable. */
function deadlineFor(idealInMs: number): number {
  return 60_000 + 3 * idealInMs;
}

function ceilingOf(
  sends: readonly PlannedSend[],
  limits: EmulatorLimits,
  tenants: number,
  conversations: number,
): ThroughputScenario['ceiling'] & { ideal: IdealSchedule } {
  const ideal = idealSchedule(sends, limits);
  const rate = ideal.lastSendAtInMs > 0 ? sends.length / (ideal.lastSendAtInMs / 1000) : null;
  const sustained = (windows: EmulatorLimits['tenant']): number => Math.min(...windows.map((w) => w.limit / w.periodInSeconds));
  const lines: { label: string; perSecond: number }[] = [];
  if (limits.tenant.length > 0) lines.push({ label: `per tenant ${sustained(limits.tenant)}/s × ${tenants}`, perSecond: sustained(limits.tenant) * tenants });
  const firstConversationWindow = limits.conversation[0];
  if (firstConversationWindow !== undefined) {
    const perConversation = (firstConversationWindow.limit / firstConversationWindow.periodInSeconds) * conversations;
    if (lines.every((line) => perConversation < line.perSecond)) {
      lines.push({ label: `per conversation ${firstConversationWindow.limit}/${firstConversationWindow.periodInSeconds} s`, perSecond: perConversation });
    }
  }
  return { idealTimeToLastDeliveryInMs: ideal.lastSendAtInMs, deliveriesPerSecond: rate, perSecond: perSecondCounts(ideal.sendTimesInMs), lines, ideal };
}

function broadcastPlan(
  name: ThroughputScenario['name'],
  description: string,
  tenants: readonly CreatedConversation[][],
  warmUp: CreatedConversation,
  limits: EmulatorLimits,
): ScenarioPlan {
  const conversations = tenants.flat();
  const sends = conversations.map((c) => ({ conversationId: c.conversationId, tenantId: c.tenantId }));
  const ceiling = ceilingOf(sends, limits, tenants.length, conversations.length);
  const { ideal, ...scenarioCeiling } = ceiling;
  const ours = newTag(`${name}-gateway`);
  const theirs = newTag(`${name}-baseline`);
  const deadlineInMs = deadlineFor(ceiling.idealTimeToLastDeliveryInMs);
  return {
    scenario: { name, description, tenants: tenants.length, conversations: conversations.length, deliveries: sends.length, ceiling: scenarioCeiling },
    gateway: {
      runName: `${name}-gateway`,
      tag: ours,
      notifications: tenants.map((group) => ({ targets: [{ tenantId: group[0]?.tenantId ?? '', scope: 'all' }], message: { text: `Bench ${ours}` } })),
      conversations,
      deliveriesExpected: sends.length,
      ideal,
      deadlineInMs,
    },
    baseline: {
      runName: `${name}-baseline`,
      tag: theirs,
      messages: conversations.map((conversation) => ({ conversation, text: `Bench ${theirs}` })),
      warmUp,
      ideal,
      deadlineInMs,
    },
  };
}

/** One tenant, many conversations: one tenant-wide broadcast. The per tenant limit is the ceiling. */
export function oneTenantPlan(seeds: ThroughputSeeds, limits: EmulatorLimits): ScenarioPlan | undefined {
  if (seeds.oneTenant === undefined) return undefined;
  return broadcastPlan('oneTenant', `1 tenant × ${seeds.oneTenant.length} conversations, one broadcast`, [seeds.oneTenant], seeds.warmUp, limits);
}

/** Several tenants: one broadcast each, at once. Per tenant limits add up, so the gateway's own speed shows. */
export function severalTenantsPlan(seeds: ThroughputSeeds, limits: EmulatorLimits): ScenarioPlan | undefined {
  if (seeds.severalTenants === undefined) return undefined;
  const groups = seeds.severalTenants;
  const plan = broadcastPlan('severalTenants', `${groups.length} tenants × ${groups[0]?.length ?? 0} conversations, a broadcast each`, groups, seeds.warmUp, limits);
  // The CPU figure's workload: what each copy costs in Table round trips goes beside its CPU.
  return { ...plan, gateway: { ...plan.gateway, countTableRequests: true } };
}

/** One busy conversation: many notifications to it. The per conversation windows (7/1 s, 8/2 s, 60/30 s) are the ceiling. */
export function busyConversationPlan(seeds: ThroughputSeeds, messages: number, limits: EmulatorLimits): ScenarioPlan | undefined {
  if (seeds.busy === undefined) return undefined;
  const { ours: oursConversation, baseline: theirConversation } = seeds.busy;
  const sends = Array.from({ length: messages }, () => ({ conversationId: oursConversation.conversationId, tenantId: oursConversation.tenantId }));
  const { ideal, ...ceiling } = ceilingOf(sends, limits, 1, 1);
  const ours = newTag('busy-gateway');
  const theirs = newTag('busy-baseline');
  const deadlineInMs = deadlineFor(ceiling.idealTimeToLastDeliveryInMs);
  return {
    scenario: { name: 'busyConversation', description: `1 conversation × ${messages} notifications`, tenants: 1, conversations: 1, deliveries: messages, ceiling },
    gateway: {
      runName: 'busyConversation-gateway',
      tag: ours,
      // Distinct texts: Teams (the emulator) counts an identical payload in the same conversation as a repeat.
      notifications: Array.from({ length: messages }, (_, i) => ({ targets: [{ conversationId: oursConversation.conversationId }], message: { text: `Bench ${ours} #${i}` } })),
      conversations: [oursConversation],
      deliveriesExpected: messages,
      ideal,
      deadlineInMs,
    },
    baseline: {
      runName: 'busyConversation-baseline',
      tag: theirs,
      messages: Array.from({ length: messages }, (_, i) => ({ conversation: theirConversation, text: `Bench ${theirs} #${i}` })),
      warmUp: seeds.warmUp,
      ideal,
      deadlineInMs,
    },
  };
}
