import { type InvocationContext, type Timer } from '@azure/functions';

import { getGatewayServices } from '../shared/gatewayServices';
import { reconcileDueNotifications, type ReconcileRun } from '../shared/reconciliation/notificationReconciler';
import { reconcileSchedule } from '../shared/reconciliation/reconcileSchedule';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * Timer trigger: re-queues or finalizes deliveries whose queue message was lost (a crash, an expired or
 * purged message, a failed dead-letter), so nothing stays `queued` or `sending` forever. Storage or queue
 * trouble throws: the run fails and the next one, a minute later, starts over (every step is repeatable).
 */
export async function reconcileHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await getGatewayServices();
  const run = await reconcileDueNotifications({
    checks: services.dueChecks,
    store: services.notificationStore,
    queue: services.deliveryQueue,
    now: services.now,
    ...(services.queueEmptySince === undefined ? {} : { queueEmptySince: services.queueEmptySince }),
  });
  // Lost messages are worth an operator's look; a quiet run logs nothing.
  for (const note of run.notes) context.warn(`reconcile: ${note}`);
  if (run.checked > 0) context.log(`reconcile: ${summary(run)}`);
}

function summary(run: ReconcileRun): string {
  const parts = [
    `${run.checked} notification(s) checked`,
    `${run.requeued} re-queued`,
    `${run.failed} failed`,
    `${run.cancelled} cancelled`,
    `${run.resumedFanOuts} broadcast(s) resumed`,
    `${run.endedFanOuts} broadcast(s) ended`,
    `${run.accepted} intake(s) finished`,
    `${run.settled} settled`,
  ];
  return `${parts.join(', ')}${run.budgetReached ? '; more is due (next run)' : ''}`;
}

export const reconcileFunction: GatewayFunctionDefinition = {
  kind: 'timer',
  name: 'reconcile',
  options: { schedule: reconcileSchedule, handler: reconcileHandler },
};
