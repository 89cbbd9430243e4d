import { type StoredConversation } from '../store/conversationStore';

/** A stored conversation as the API shows it; the ETag travels in the `ETag` header, not the body. */
export type ConversationView = Omit<StoredConversation, 'etag'>;

export function conversationView(conversation: StoredConversation): ConversationView {
  const { etag: _etag, ...view } = conversation;
  return view;
}
