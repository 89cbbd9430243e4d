import { callbackCheckMessage } from '../callbacks/callbackMessages';
import { isPending } from '../notifications/store/deliveryTransitions';
import { type DeliveryRecord, type NotificationRecord, type NotificationStore } from '../notifications/store/notificationStore';
import { type DeliveryQueue, type QueuedDelivery } from '../queue/deliveryQueue';
import { type DueCheckIndex } from './dueCheckIndex';
import { type DueCheck } from './dueCheckKeys';
import { deliveryAction, fanOutAction, type ReconcileClock, reconcileTransition, requeueMessage } from './reconcileDecisions';
import { maxChecksPerRun, maxDeliveriesPerRun, maxReconciliations, reconcileAfterInMs } from './reconcileSchedule';

export interface ReconcilerDependencies {
  checks: DueCheckIndex;
  store: NotificationStore;
  queue: DeliveryQueue;
  now: () => Date;
  /** See GatewayServices.queueEmptySince: work older than this has no message at all. */
  queueEmptySince?: Date;
  /** Overrides of reconcileSchedule.ts (tests use small numbers). */
  reconcileAfterInMs?: number;
  maxChecksPerRun?: number;
  maxDeliveriesPerRun?: number;
}

export interface ReconcileRun {
  /** Notifications looked at. */
  checked: number;
  requeued: number;
  /** Finalized as failed (expired, interrupted, lost too often). */
  failed: number;
  cancelled: number;
  resumedFanOuts: number;
  endedFanOuts: number;
  /** `accepting` notifications whose intake never finished, now `accepted`. */
  accepted: number;
  /** Notifications with nothing left in flight: no longer watched. */
  settled: number;
  /** The run stopped at its delivery budget; the next run goes on. */
  budgetReached: boolean;
  /** One line per notification something was done for, for the log. */
  notes: string[];
}

/**
 * The reconciler's run (the `reconcile` timer function): finds notifications whose work has been quiet past
 * the deadline through the due-check index, then re-queues or finalizes what lost its queue message
 * (reconcileDecisions.ts) and moves the watch forward, or drops it once everything is final. Each row is
 * written before its message is enqueued: a crash in between leaves a row that the next check re-queues.
 */
export async function reconcileDueNotifications(deps: ReconcilerDependencies): Promise<ReconcileRun> {
  const now = deps.now();
  const deadline = new Date(now.getTime() - (deps.reconcileAfterInMs ?? reconcileAfterInMs));
  const cutoff = deps.queueEmptySince !== undefined && deps.queueEmptySince > deadline ? deps.queueEmptySince : deadline;
  const clock: ReconcileClock = { now, cutoff };
  const run: ReconcileRun = { checked: 0, requeued: 0, failed: 0, cancelled: 0, resumedFanOuts: 0, endedFanOuts: 0, accepted: 0, settled: 0, budgetReached: false, notes: [] };
  let budget = deps.maxDeliveriesPerRun ?? maxDeliveriesPerRun;
  for (const check of await deps.checks.due(cutoff, deps.maxChecksPerRun ?? maxChecksPerRun)) {
    if (budget <= 0) {
      run.budgetReached = true;
      break;
    }
    run.checked++;
    budget -= await reconcileNotification(check, deps, clock, budget, run);
  }
  return run;
}

/** One notification; returns how many deliveries it changed. */
async function reconcileNotification(check: DueCheck, deps: ReconcilerDependencies, clock: ReconcileClock, budget: number, run: ReconcileRun): Promise<number> {
  const { store, queue, checks } = deps;
  const notification = await store.getNotification(check.notificationId);
  if (notification === undefined) {
    // Watched before it was created, and the create never happened.
    await checks.drop(check);
    return 0;
  }
  const note: string[] = [];
  /** When the earliest thing still in flight last moved: the next check is due a deadline after it. */
  let nextSince = Number.POSITIVE_INFINITY;
  const stillMoving = (at: number): void => {
    nextSince = Math.min(nextSince, at);
  };

  // Read page by page and stop at the first stale row past the budget: memory stays one page plus the budget.
  const changed: DeliveryRecord[] = [];
  reading: for await (const page of store.pendingDeliveries(notification.id)) {
    for (const row of page) {
      const decided = deliveryAction(row, notification, clock, maxReconciliations);
      if (decided.action === 'wait') stillMoving(decided.lastMoved);
      else if (changed.length < budget) changed.push(row);
      else {
        run.budgetReached = true;
        // The rows left over are due now: keep the watch where it is (the rest of the rows cannot move it sooner).
        stillMoving(Date.parse(check.since));
        break reading;
      }
    }
  }
  const results = await store.transitionDeliveries(changed, reconcileTransition(notification, clock, maxReconciliations));
  const requeue: QueuedDelivery[] = [];
  results.forEach((result) => {
    if (result.outcome !== 'applied') return;
    const row = result.delivery;
    if (isPending(row)) {
      requeue.push(requeueMessage(row, notification));
      stillMoving(clock.now.getTime());
    } else if (row.status === 'cancelled') run.cancelled++;
    else run.failed++;
  });
  await queue.enqueue(requeue);
  run.requeued += requeue.length;
  const requeuedSending = changed.filter((row, i) => row.status === 'sending' && results[i]?.outcome === 'applied' && isPending(results[i].delivery)).length;
  if (requeue.length > 0) note.push(`re-queued ${requeue.length} (${requeuedSending} interrupted while sending)`);
  const ended = results.filter((result) => result.outcome === 'applied' && !isPending(result.delivery)).length;
  if (ended > 0) note.push(`finalized ${ended}`);

  for (const progress of await store.listFanOutProgress(notification.id)) {
    const decided = fanOutAction(progress, notification, clock);
    if (decided === undefined) continue;
    if (decided.action === 'wait') {
      stillMoving(decided.lastMoved);
      continue;
    }
    await store.saveFanOutProgress(decided.progress);
    if (decided.action === 'resume') {
      await queue.enqueue([decided.message]);
      run.resumedFanOuts++;
      stillMoving(clock.now.getTime());
      note.push(`resumed the broadcast of target ${progress.targetIndex} at page ${progress.pagesDone}`);
    } else {
      run.endedFanOuts++;
      note.push(`broadcast of target ${progress.targetIndex} ${decided.progress.state}`);
    }
  }

  if (notification.state === 'accepting') {
    const moved = Date.parse(notification.updatedAt);
    if (moved >= clock.cutoff.getTime()) stillMoving(moved);
    else if (await finishAbandonedIntake(notification, store, clock.now)) {
      run.accepted++;
      note.push('its intake never finished: marked accepted with the deliveries it had written (a repeat of the request with the same id queues the rest)');
    } else stillMoving(clock.now.getTime());
  }

  if (Number.isFinite(nextSince)) await checks.reschedule(check, new Date(nextSince));
  else {
    // Everything is final: the safety net for a status callback whose check was lost (a repeat is a no-op).
    if (notification.callback !== undefined) await queue.enqueue([callbackCheckMessage(notification.id, clock.now)]);
    await checks.drop(check);
    run.settled++;
  }
  if (note.length > 0) run.notes.push(`${notification.id}: ${note.join('; ')}`);
  return changed.length;
}

/**
 * An intake that crashed and was never repeated. Its targets are not stored, so what it did not write cannot
 * be queued; what it wrote is reconciled like any delivery. `accepted` keeps the status page from showing a
 * notification stuck in intake, and a later repeat of the request still finishes the job (no 202 is stored).
 */
async function finishAbandonedIntake(notification: NotificationRecord, store: NotificationStore, now: Date): Promise<boolean> {
  const written = await store.replaceNotification({ ...notification, state: 'accepted', updatedAt: now.toISOString() });
  return written !== undefined;
}
