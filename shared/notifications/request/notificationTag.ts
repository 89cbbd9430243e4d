import { z } from 'zod';

/**
 * A label the producing service gives a notification at POST (its own name, a deploy id) to list its
 * notifications by (`GET /api/notifications?tag=`). A plain token, so it needs no escaping in a query string.
 */
export const notificationTagPattern = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

export const notificationTagRule = 'tag must be 1–128 characters of A–Z, a–z, 0–9, ".", "_", ":", "@", "/", "-", starting with a letter or digit';

export const notificationTagSchema = z.string({ invalid_type_error: 'tag must be a string' }).regex(notificationTagPattern, notificationTagRule);
