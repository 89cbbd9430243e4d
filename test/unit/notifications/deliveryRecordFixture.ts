import { type DeliveryRecord, type DeliveryStatus } from '../../../shared/notifications/store/notificationStore';

/** When fixture deliveries were created (and last changed, unless overridden). */
export const deliveryCreatedAt = new Date('2026-03-01T10:00:00.000Z');

/** A direct delivery to one personal chat of notification `n-1`, in the given status. */
export function deliveryRecord(status: DeliveryStatus, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    notificationId: 'n-1',
    key: 'a:1chat',
    origin: 'direct',
    conversationId: 'a:1chat',
    conversationType: 'personal',
    status,
    attempts: 0,
    createdAt: deliveryCreatedAt.toISOString(),
    updatedAt: deliveryCreatedAt.toISOString(),
    ...overrides,
  };
}
