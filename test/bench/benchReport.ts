/** What `bench-results/results.json` holds. Every figure is either measured or says why it was not. */

import { type DeliveryCounts } from './deliveryObserver';
import { type IntakeRateFigure } from './intakeRateBenchmark';
import { type ScaleOutFigure } from './scaleOutBenchmark';
import { type TableRequestCounts } from './tableRequestCounter';

export interface NotMeasured {
  measured: false;
  reason: string;
}

export type Maybe<T> = ({ measured: true } & T) | NotMeasured;

export function notMeasured(reason: string): NotMeasured {
  return { measured: false, reason };
}

/** One sender doing one scenario's work: the gateway, or a baseline process. */
export interface DeliveryRun extends DeliveryCounts {
  sender: 'gateway' | 'naiveConnectorClient' | 'cloudAdapterTemplate';
  deliveredPerSecond: number | null;
  /**
   * How close to the limits, for what it delivered: the earliest possible time of its k-th delivery under the
   * limits ÷ the time its k-th (last) delivery took (idealSchedule.ts shareOfCeiling). 1 = as fast as Teams allows.
   */
  fractionOfCeiling: number | null;
  /** User + system CPU seconds of the sending process over the run. */
  cpuSeconds: number | null;
  cpuSecondsPer1000Deliveries: number | null;
  peakRssBytes: number | null;
  /**
   * Table Storage round trips over the measured window (the POSTs until Teams had the last copy), counted on
   * the wire (tableRequestCounter.ts); null for a run that was not counted and for the baselines.
   */
  tableRoundTrips: TableRequestCounts | null;
  /** tableRoundTrips.requests ÷ delivered: what one sent copy costs, intake and fan-out included. */
  tableRoundTripsPerDelivery: number | null;
  /** Deliveries per whole second from the run's start (the chart). */
  perSecond: number[];
  /** A fresh gateway process's first calls (its warm-up); null for the baselines. */
  firstCalls: FirstCalls | null;
  notes: string[];
}

/**
 * What a cold gateway pays on its first calls, measured from outside as a user sees them: the process start
 * until it answers HTTP, its first `POST /api/notifications` (202), and that notification's delivery (the first
 * send: the Bot Connector stack loads, the first token is fetched) until Teams has it.
 */
export interface FirstCalls {
  startToHttpInMs: number;
  firstNotificationInMs: number;
  firstDeliveryInMs: number;
}

export interface ThroughputScenario {
  name: 'oneTenant' | 'busyConversation' | 'severalTenants';
  description: string;
  tenants: number;
  conversations: number;
  deliveries: number;
  ceiling: {
    /** Earliest possible time of the last delivery under the emulator's limits (idealSchedule.ts). */
    idealTimeToLastDeliveryInMs: number;
    /** deliveries ÷ that time; null when everything fits in the first instant. */
    deliveriesPerSecond: number | null;
    perSecond: number[];
    /** Straight ceiling lines for the chart: per tenant limit × tenants, per conversation 1 s limit × conversations. */
    lines: { label: string; perSecond: number }[];
  };
  ours: Maybe<DeliveryRun>;
  baseline: Maybe<DeliveryRun>;
}

export interface CpuFigure {
  workload: string;
  ours: Maybe<DeliveryRun>;
  template: Maybe<DeliveryRun>;
}

export interface ModuleLoad {
  label: string;
  /** What was required, relative to the repository. */
  module: string;
  repeats: number;
  /** Median over the repeats, each in a fresh `node` process. */
  requireInMs: number;
  /** Process start to loaded (includes Node's own start-up). */
  processToLoadedInMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  error?: string;
}

export interface ColdStartFigure {
  node: ModuleLoad;
  functionsEntry: ModuleLoad;
  gatewayDefinitions: ModuleLoad;
  botbuilder: ModuleLoad;
  bundledFunctionsEntry: Maybe<ModuleLoad & { bundleBytes: number; buildInMs: number }>;
  /** Each runtime dependency alone: what lazy loading could save at most. */
  dependencies: ModuleLoad[];
}

export interface CaptureFigure {
  requests: number;
  ok: number;
  errors: Record<string, number>;
  targetRatePerSecond: number;
  achievedRatePerSecond: number;
  p50InMs: number;
  p90InMs: number;
  p99InMs: number;
  maxInMs: number;
  budgetInMs: number;
  peakRssBytes: number | null;
  cpuSecondsPer1000Requests: number | null;
}

export interface IntakeFigure {
  conversations: number;
  seedInSeconds: number;
  /** POST /api/notifications → 202. */
  answerInMs: number;
  /** POST → every fan-out done and each delivery queued (polled every `pollIntervalInMs`); null if not within the deadline. */
  fullyEnqueuedInMs: number | null;
  pollIntervalInMs: number;
  deadlineInSeconds: number;
  /** Queued when the fan-out finished or the watch ended. */
  deliveriesQueued: number;
  /** deliveriesQueued over the time the fan-out was watched. */
  enqueuedPerSecond: number | null;
  /** CPU seconds over the intake, of the gateway and of Azurite: where the time went. */
  gatewayCpuSeconds: number | null;
  azuriteCpuSeconds: number | null;
  peakRssBytes: number | null;
  /** Table round trips from the POST until fully queued (the bench's status polls and the first sends included). */
  tableRoundTrips: TableRequestCounts;
  tableRoundTripsPerQueuedDelivery: number | null;
  notes: string[];
}

export interface BenchReport {
  meta: {
    startedAt: string;
    finishedAt: string;
    durationInSeconds: number;
    node: string;
    platform: string;
    cpuModel: string;
    cpus: number;
    memoryBytes: number;
    loadAverageAtStart: number[];
    /** The limits the emulator enforced (Teams' documented ones unless changed). */
    limits?: unknown;
  };
  options: unknown;
  figures: {
    throughput?: Maybe<{ scenarios: ThroughputScenario[] }>;
    cpu?: Maybe<CpuFigure>;
    coldStart?: Maybe<ColdStartFigure>;
    capture?: Maybe<CaptureFigure>;
    intake?: Maybe<IntakeFigure>;
    intakeRate?: Maybe<IntakeRateFigure>;
    scaleOut?: Maybe<ScaleOutFigure>;
  };
}
