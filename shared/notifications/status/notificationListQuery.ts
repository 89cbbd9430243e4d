import { z } from 'zod';

import { decodeOpaqueToken, encodeOpaqueToken, queryFingerprint } from '../../store/opaqueToken';
import { canonicalJson } from '../request/canonicalJson';
import { notificationTagSchema } from '../request/notificationTag';
import { badRequest, fromZodIssues, type ValidationIssue, type ValidationResult } from '../request/validationIssue';
import { type NotificationStatus, notificationStatuses } from './notificationProgress';

/** `GET /api/notifications`: which notifications, and where in the list. */
export interface NotificationListQuery {
  /** Exclusive bounds on `createdAt`, normalised to UTC ISO. */
  createdAfter?: string;
  createdBefore?: string;
  /** Any of these overall statuses. */
  statuses?: NotificationStatus[];
  tag?: string;
  /** Notifications looked at per page (a status filter may keep fewer of them). */
  pageSize: number;
  /** Where the previous page of the same query ended (decoded from its token). */
  after?: string;
}

/**
 * Every listed notification's status is read from its delivery rows, so a page is bounded lower than a
 * status page of deliveries (1,000).
 */
export const defaultListPageSize = 25;
export const maxListPageSize = 100;

const summary = 'The query is not valid';
const isoTime = (what: string) =>
  z.string().datetime({ offset: true, message: `${what} must be an ISO 8601 time with a UTC offset, e.g. 2026-03-01T09:00:00Z` }).transform((text) => new Date(text).toISOString());

const querySchema = z.object({
  createdAfter: isoTime('createdAfter').optional(),
  createdBefore: isoTime('createdBefore').optional(),
  status: z
    .string()
    .refine((text) => text.split(',').every(isNotificationStatus), `status must be one or more (comma-separated) of ${notificationStatuses.join(', ')}`)
    .transform((text) => text.split(',').filter(isNotificationStatus))
    .optional(),
  tag: notificationTagSchema.optional(),
  pageSize: z
    .string()
    .regex(/^\d{1,4}$/, `pageSize must be a whole number from 1 to ${maxListPageSize}`)
    .transform(Number)
    .pipe(z.number().min(1, `pageSize must be a whole number from 1 to ${maxListPageSize}`).max(maxListPageSize, `pageSize must be a whole number from 1 to ${maxListPageSize}`))
    .optional(),
  continuationToken: z.string().min(1, 'continuationToken is empty; leave it out for the first page').optional(),
});

function isNotificationStatus(text: string): text is NotificationStatus {
  return (notificationStatuses as readonly string[]).includes(text);
}

/** The query string → a list query, or a 400 naming every bad parameter. Other parameters (the key's `code`) are ignored. */
export function parseNotificationListQuery(params: URLSearchParams): ValidationResult<NotificationListQuery> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(querySchema.shape)) {
    const value = params.get(key);
    if (value !== null) raw[key] = value;
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: badRequest(summary, fromZodIssues(parsed.error.issues)) };
  const { createdAfter, createdBefore, status, tag, pageSize, continuationToken } = parsed.data;
  const issues: ValidationIssue[] = [];
  if (createdAfter !== undefined && createdBefore !== undefined && createdAfter >= createdBefore) {
    issues.push({ path: ['createdBefore'], message: 'createdBefore must be later than createdAfter' });
  }
  const query: NotificationListQuery = { pageSize: pageSize ?? defaultListPageSize };
  if (createdAfter !== undefined) query.createdAfter = createdAfter;
  if (createdBefore !== undefined) query.createdBefore = createdBefore;
  if (status !== undefined) query.statuses = [...new Set(status)].sort();
  if (tag !== undefined) query.tag = tag;
  if (continuationToken !== undefined) {
    const after = decodeListToken(continuationToken, query);
    if (after === undefined) issues.push({ path: ['continuationToken'], message: 'not a token of this query: pass back the continuationToken of the previous page, with the same filters' });
    else query.after = after;
  }
  return issues.length > 0 ? { ok: false, error: badRequest(summary, issues) } : { ok: true, value: query };
}

/**
 * The token of the page after `after` (a list row key): opaque to the caller, and tied to the filters, so a
 * token replayed with other filters is a 400 rather than a page of something else.
 */
export function encodeListToken(after: string, query: NotificationListQuery): string {
  return encodeOpaqueToken({ a: after, q: filterFingerprint(query) });
}

/** A list row key: reversed time (13 digits), `.`, a notification id. */
const listRowKeyPattern = /^\d{13}\.[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function decodeListToken(token: string, query: NotificationListQuery): string | undefined {
  const decoded = decodeOpaqueToken(token);
  const after = decoded?.q === filterFingerprint(query) ? decoded.a : undefined;
  return typeof after === 'string' && listRowKeyPattern.test(after) ? after : undefined;
}

function filterFingerprint(query: NotificationListQuery): string {
  const { createdAfter, createdBefore, statuses, tag } = query;
  const filters = canonicalJson({ createdAfter: createdAfter ?? null, createdBefore: createdBefore ?? null, statuses: statuses ?? null, tag: tag ?? null });
  return queryFingerprint(filters);
}
