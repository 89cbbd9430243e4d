import { setTimeout as sleep } from 'node:timers/promises';

import { type BenchStack } from './benchStack';
import { percentile } from './captureLatencyBenchmark';
import { acceptedSends, type EmulatorControl } from './emulatorControl';
import { type GatewayApi } from './gatewayApi';
import { countsBetween, type TableRequestCounter, type TableRequestCounts } from './tableRequestCounter';

export interface IntakeRateOptions {
  /** Conversations the POSTs go to, round robin (spread over tenants so pacing does not hold sends back). */
  conversationIds: readonly string[];
  requestsPerSecond: number;
  seconds: number;
  /** How long to wait for every copy to be sent after the last answer. */
  settleTimeoutInSeconds: number;
  warmUpConversationId: string;
  gatewayEnv: Readonly<Record<string, string>>;
}

interface RateRun extends Omit<IntakeRateOptions, 'warmUpConversationId' | 'gatewayEnv'> {
  api: GatewayApi;
  control: EmulatorControl;
  tables: TableRequestCounter;
}

export interface IntakeRateFigure {
  requests: number;
  requestsPerSecond: number;
  /** From each request's scheduled moment (open loop: a late start counts against the gateway) to its answer. */
  latencyInMs: { p50: number; p99: number; max: number };
  errors: number;
  statuses: Record<string, number>;
  /** Copies the emulator accepted after the run, and when the last arrived (from the first request). */
  sent: number;
  allSentInMs: number | null;
  /** Table round trips of the intake alone (POSTs scheduled an hour ahead, so nothing is sent meanwhile). */
  intakeRoundTripsPerPost: number;
  intakeTables: TableRequestCounts;
  /** Every Table round trip from the first POST until the last copy was sent, per sent copy. */
  roundTripsPerSentDelivery: number | null;
  tables: TableRequestCounts;
  /** CPU seconds from the first timed POST until every copy was sent: the gateway's and Azurite's. */
  gatewayCpuSeconds: number | null;
  azuriteCpuSeconds: number | null;
  peakRssBytes: number | null;
}

/** POSTs for counting the intake's own round trips: few, one at a time. */
const intakeProbeRequests = 20;

/**
 * Figure 8, open-loop intake: single-conversation POSTs at a fixed rate whether or not earlier ones were
 * answered (as independent callers send them), so a gateway that falls behind shows it as growing latency
 * instead of a lower rate. Then waits until every copy is sent and divides every Table round trip by the
 * copies sent. A fresh gateway, warmed up by one notification, with its Table requests counted on the wire.
 */
export async function runIntakeRateBenchmark(stack: BenchStack, options: IntakeRateOptions, log: (line: string) => void): Promise<IntakeRateFigure> {
  const gateway = await stack.startGateway('intake-rate', options.gatewayEnv, { countTableRequests: true });
  try {
    const warm = await gateway.api.postNotification({ targets: [{ conversationId: options.warmUpConversationId }], message: { text: 'warm-up intake-rate' } });
    if (warm.status !== 202) throw new Error(`the warm-up notification was refused: ${warm.status} ${warm.text.slice(0, 200)}`);
    const gatewayBefore = gateway.sample();
    const azuriteBefore = stack.azuriteSample();
    const figure = await runOpenLoop({ ...options, api: gateway.api, control: stack.control, tables: stack.tableRequests }, log);
    const gatewayAfter = gateway.sample();
    const azuriteAfter = stack.azuriteSample();
    return {
      ...figure,
      gatewayCpuSeconds: gatewayBefore === undefined || gatewayAfter === undefined ? null : gatewayAfter.cpuSeconds - gatewayBefore.cpuSeconds,
      azuriteCpuSeconds: azuriteBefore === undefined || azuriteAfter === undefined ? null : azuriteAfter.cpuSeconds - azuriteBefore.cpuSeconds,
      peakRssBytes: gatewayAfter?.peakRssBytes ?? null,
    };
  } finally {
    await gateway.stop();
  }
}

type OpenLoopFigure = Omit<IntakeRateFigure, 'gatewayCpuSeconds' | 'azuriteCpuSeconds' | 'peakRssBytes'>;

async function runOpenLoop(options: RateRun, log: (line: string) => void): Promise<OpenLoopFigure> {
  const { api, control, tables } = options;
  const conversationAt = (index: number): string => options.conversationIds[index % options.conversationIds.length] ?? '';

  // The intake alone: scheduled an hour ahead, so no send runs while these are counted.
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const probeBefore = tables.snapshot();
  for (let index = 0; index < intakeProbeRequests; index++) {
    const answer = await api.postNotification({ targets: [{ conversationId: conversationAt(index) }], message: { text: `intake probe ${index}` }, sendAt });
    if (answer.status !== 202) throw new Error(`an intake probe was refused: ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  const intakeTables = countsBetween(probeBefore, tables.snapshot());

  const total = Math.round(options.requestsPerSecond * options.seconds);
  log(`intake-rate: ${total} POSTs at ${options.requestsPerSecond}/s (open loop)...`);
  const sentBefore = acceptedSends(await control.stats());
  const before = tables.snapshot();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / options.requestsPerSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      api
        .postNotification({ targets: [{ conversationId: conversationAt(index) }], message: { text: `intake-rate ${index}` } })
        .then(
          (answer) => String(answer.status),
          (error: unknown) => (error instanceof Error ? error.name : 'error'),
        )
        .then((status) => {
          latencies.push(performance.now() - due);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const accepted = statuses['202'] ?? 0;
  log(`intake-rate: answered; waiting for ${accepted} copies to be sent...`);

  let sent = 0;
  let allSentInMs: number | null = null;
  const deadline = performance.now() + options.settleTimeoutInSeconds * 1000;
  while (performance.now() < deadline) {
    sent = acceptedSends(await control.stats()) - sentBefore;
    if (sent >= accepted) {
      allSentInMs = performance.now() - started;
      break;
    }
    await sleep(250);
  }
  const counted = countsBetween(before, tables.snapshot());
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: total,
    requestsPerSecond: options.requestsPerSecond,
    latencyInMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
    errors: total - accepted,
    statuses,
    sent,
    allSentInMs,
    intakeRoundTripsPerPost: intakeTables.requests / intakeProbeRequests,
    intakeTables,
    roundTripsPerSentDelivery: sent > 0 ? counted.requests / sent : null,
    tables: counted,
  };
}
