import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { devBot } from '../../dev/devIdentity';
import { type BaselineJob, type BaselineOutcome, type BaselineSend } from './baselineJob';
import { repoRoot, startBenchChild } from './benchChild';
import { type DeliveryRun, type Maybe, notMeasured } from './benchReport';
import { type BenchStack } from './benchStack';
import { deliveryCounts, observeDeliveries } from './deliveryObserver';
import { type CreatedConversation } from './emulatorControl';
import { type IdealSchedule, perSecondCounts, shareOfCeiling } from './idealSchedule';

export type BaselineKind = 'naiveConnectorClient' | 'cloudAdapterTemplate';

const entries: Record<BaselineKind, string> = {
  naiveConnectorClient: 'dist/test/bench/naiveConnectorSender.js',
  cloudAdapterTemplate: 'dist/test/bench/cloudAdapterTemplateSender.js',
};

export interface BaselineWork {
  runName: string;
  tag: string;
  /** One entry per message: the conversation and its text. */
  messages: readonly { conversation: CreatedConversation; text: string }[];
  warmUp: CreatedConversation;
  concurrency: number;
  /** The best schedule of this work under the limits, for fractionOfCeiling. */
  ideal: IdealSchedule;
  deadlineInMs: number;
}

/** A stored reference's parts as a plain bot would keep them from the install event. */
export function baselineSendOf(conversation: CreatedConversation, text: string): BaselineSend {
  return {
    serviceUrl: conversation.serviceUrl,
    conversation: { id: conversation.conversationId, tenantId: conversation.tenantId, conversationType: 'personal' },
    bot: conversation.bot,
    user: conversation.user,
    text,
  };
}

/**
 * The same work done by a baseline in its own process (its CPU and memory are its own, as the gateway's are).
 * The process measures itself over its sends; Teams' side (arrivals, 429s) is read from the emulator as for
 * the gateway.
 */
export async function runBaselineDelivery(stack: BenchStack, kind: BaselineKind, work: BaselineWork): Promise<Maybe<DeliveryRun>> {
  const entry = path.join(repoRoot, entries[kind]);
  if (!existsSync(entry)) return notMeasured(`${entries[kind]} is not built`);
  const jobFile = path.join(stack.logDir, `${work.runName}.job.json`);
  const outcomeFile = path.join(stack.logDir, `${work.runName}.outcome.json`);
  const job: BaselineJob = {
    identity: { appId: devBot.appId, appPassword: devBot.appPassword, loginUrl: `${stack.emulatorUrl}/botframework.com` },
    concurrency: work.concurrency,
    warmUp: baselineSendOf(work.warmUp, `warm-up ${work.runName}`),
    sends: work.messages.map((m) => baselineSendOf(m.conversation, m.text)),
  };
  writeFileSync(jobFile, JSON.stringify(job));
  writeFileSync(outcomeFile, '');

  const statsBefore = await stack.control.stats();
  const child = startBenchChild(process.execPath, [entry, jobFile, outcomeFile], path.join(stack.logDir, `${work.runName}.log`));
  const exitCode = await Promise.race([child.exited, sleep(work.deadlineInMs).then(() => 'deadline' as const)]);
  if (exitCode === 'deadline') {
    await child.stop(2_000);
    return notMeasured(`the ${kind} baseline did not finish within ${Math.round(work.deadlineInMs / 1000)} s`);
  }
  const outcomeText = readFileSync(outcomeFile, 'utf8');
  if (exitCode !== 0 || outcomeText === '') return notMeasured(`the ${kind} baseline failed (exit ${String(exitCode)}): ${child.logTail(5)}`);
  const outcome = JSON.parse(outcomeText) as BaselineOutcome;

  const statsAfter = await stack.control.stats();
  const observed = await observeDeliveries(
    stack.control,
    work.messages.map((m) => m.conversation.conversationId),
    work.tag,
    outcome.startedAtEpochMs,
  );
  const counts = deliveryCounts(work.messages.length, observed, statsBefore, statsAfter);
  const { delivered, timeToLastDeliveryInMs: timeToLast } = counts;
  const rate = timeToLast === null ? null : delivered / (timeToLast / 1000);
  const notes: string[] = [];
  if (outcome.failed > 0) notes.push(`failed after the SDK's retries, by status: ${JSON.stringify(outcome.failuresByStatus)}`);
  return {
    measured: true,
    sender: kind,
    ...counts,
    deliveredPerSecond: rate,
    fractionOfCeiling: shareOfCeiling(work.ideal, delivered, timeToLast),
    cpuSeconds: outcome.cpuSeconds,
    cpuSecondsPer1000Deliveries: delivered === 0 ? null : (outcome.cpuSeconds / delivered) * 1000,
    firstCalls: null,
    peakRssBytes: outcome.peakRssBytes,
    tableRoundTrips: null,
    tableRoundTripsPerDelivery: null,
    perSecond: perSecondCounts(observed.arrivalsInMs),
    notes,
  };
}
