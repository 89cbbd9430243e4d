/**
 * The banner for a notification the gateway accepted: a success only when it queued something. A 202 that
 * reaches nobody (every target unresolved) is a warning naming why, so it cannot pass for a delivery.
 */
export function acceptedBanner(accepted) {
  const deliveries = accepted.deliveries ?? 0;
  const broadcasts = (accepted.fanOut ?? []).length;
  const unresolved = (accepted.unresolved ?? []).map(unresolvedReason);
  const queued = `${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'} queued`;
  const notSent = unresolved.length === 0 ? '' : `; not sent: ${unresolved.join(', ')}`;
  if (deliveries === 0 && broadcasts === 0) {
    const why = unresolved.length === 0 ? 'no target resolved to a conversation' : unresolved.join(', ');
    return { kind: 'warn', text: `Notification ${accepted.id} accepted but reaches nobody: 0 deliveries queued (${why})` };
  }
  return { kind: unresolved.length === 0 ? 'ok' : 'warn', text: `Notification ${accepted.id} accepted: ${queued}${notSent}` };
}

/** `ConversationRemoved (ConversationBlockedByUser)`: the reason, and the removal's cause when there is one. */
function unresolvedReason(entry) {
  const reason = entry.reason ?? entry.code ?? 'unresolved';
  return entry.removalReason === undefined ? reason : `${reason} (${entry.removalReason})`;
}
