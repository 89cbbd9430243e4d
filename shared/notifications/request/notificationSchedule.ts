import { z } from 'zod';

import { fromZodIssues, type ValidationIssue } from './validationIssue';

/**
 * How far ahead `sendAt` may be. Service Bus schedules without limit, but a notification a week out is
 * already a calendar's job, and a far-future typo (2052 for 2025) should fail now, not silently never send.
 */
export const maxScheduleAheadInMs = 7 * 24 * 60 * 60 * 1000;

/** When to send and when to give up, normalised to UTC ISO strings (`2025-01-02T03:04:05.000Z`). */
export interface NotificationSchedule {
  sendAt?: string;
  expiresAt?: string;
}

// zod checks the ISO 8601 form and the calendar (no 30 February); Date.parse then fixes the instant.
const isoTime = (what: string) =>
  z
    .string({ invalid_type_error: `${what} must be an ISO 8601 time string` })
    .datetime({ offset: true, message: `${what} must be an ISO 8601 time with a UTC offset, e.g. 2025-06-01T09:00:00Z or 2025-06-01T11:00:00+02:00` });

export type ScheduleParseResult = { ok: true; schedule: NotificationSchedule } | { ok: false; issues: ValidationIssue[] };

/** `sendAt` and `expiresAt` of a request body, checked against each other and against `now`. */
export function parseNotificationSchedule(raw: { sendAt?: unknown; expiresAt?: unknown }, now: Date): ScheduleParseResult {
  const issues: ValidationIssue[] = [];
  const parse = (key: 'sendAt' | 'expiresAt'): number | undefined => {
    if (raw[key] === undefined) return undefined;
    const parsed = isoTime(key).safeParse(raw[key]);
    if (!parsed.success) {
      issues.push(...fromZodIssues(parsed.error.issues, [key]));
      return undefined;
    }
    const instant = Date.parse(parsed.data);
    // zod's form check admits a few strings Date cannot place (an offset of +24:00).
    if (Number.isNaN(instant)) issues.push({ path: [key], message: `${key} is not a time that exists` });
    return Number.isNaN(instant) ? undefined : instant;
  };
  const sendAt = parse('sendAt');
  const expiresAt = parse('expiresAt');
  const nowMs = now.getTime();
  if (sendAt !== undefined && sendAt - nowMs > maxScheduleAheadInMs) {
    issues.push({ path: ['sendAt'], message: `sendAt is more than ${maxScheduleAheadInMs / 86_400_000} days ahead (latest accepted: ${new Date(nowMs + maxScheduleAheadInMs).toISOString()})` });
  }
  if (expiresAt !== undefined && expiresAt <= nowMs) {
    issues.push({ path: ['expiresAt'], message: `expiresAt is not in the future (now is ${now.toISOString()})` });
  }
  if (expiresAt !== undefined && sendAt !== undefined && expiresAt <= sendAt) {
    issues.push({ path: ['expiresAt'], message: 'expiresAt must be after sendAt' });
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    schedule: {
      // A sendAt in the past means "now"; it is kept as given so the request (and its digest) stays the caller's.
      ...(sendAt === undefined ? {} : { sendAt: new Date(sendAt).toISOString() }),
      ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt).toISOString() }),
    },
  };
}
