import { createHash } from 'node:crypto';

import { canonicalJson } from './canonicalJson';
import { type NotificationRequest } from './notificationRequest';
import { targetAsGiven } from './notificationTarget';

/**
 * A stable fingerprint of what a request asks for, to tell a retry (same id, same body → the same 202) from
 * a conflicting reuse of an id (409). Computed over the parsed request without `id`: key order, GUID case
 * and how a time's offset is written do not change it; anything that changes what is sent does.
 */
export function requestDigest(request: NotificationRequest): string {
  const { id: _id, targets, ...rest } = request;
  const canonical = canonicalJson({ ...rest, targets: targets.map(targetAsGiven) });
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('base64url')}`;
}
