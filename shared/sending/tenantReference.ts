import { type StoredConversation } from '../store/conversationStore';
import { type SenderRuntime } from './senderDependencies';

/**
 * A conversation of the tenant to address a created personal chat through: the named reference conversation
 * if still active, else any active conversation of the tenant.
 */
export async function tenantReference(runtime: SenderRuntime, tenantId: string, preferredId: string | undefined): Promise<StoredConversation | undefined> {
  const { conversations } = runtime;
  if (preferredId !== undefined) {
    const preferred = await conversations.get(preferredId);
    if (preferred?.status === 'active' && preferred.tenantId === tenantId) return preferred;
  }
  for await (const page of conversations.listByTenant(tenantId, { status: 'active', pageSize: 10 })) {
    for (const summary of page) {
      const candidate = await conversations.get(summary.conversationId);
      if (candidate?.status === 'active' && candidate.tenantId === tenantId) return candidate;
    }
    return undefined;
  }
  return undefined;
}
