import { type StoredConversation } from '../store/conversationStore';

/**
 * A stored conversation as the API shows it (docs/openapi.json `Conversation`). The ETag travels in the `ETag`
 * header, not the body; `indexedAt` is the store's own bookkeeping (when its index rows were last written).
 */
export type ConversationView = Omit<StoredConversation, 'etag' | 'indexedAt'>;

export function conversationView(conversation: StoredConversation): ConversationView {
  const { etag: _etag, indexedAt: _indexedAt, ...view } = conversation;
  return view;
}
