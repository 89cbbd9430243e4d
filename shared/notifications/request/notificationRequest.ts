import { z } from 'zod';

import { type CallbackRequest, parseCallbackRequest } from '../../callbacks/callbackRequest';
import { type CallbackUrlPolicy } from '../../callbacks/callbackSettings';
import { parseJsonBody } from './jsonBody';
import { checkActivitySize } from './messageSizeLimit';
import { isNotificationId } from './notificationId';
import { type NotificationMessage, parseNotificationMessage } from './notificationMessage';
import { parseNotificationSchedule } from './notificationSchedule';
import { notificationTagSchema } from './notificationTag';
import { type NotificationTarget, parseNotificationTarget } from './notificationTarget';
import { buildOutboundActivity } from './outboundActivityBuilder';
import { badRequest, fromZodIssues, type ValidationIssue, type ValidationResult } from './validationIssue';

/**
 * Most targets one request may name. Each target is resolved while the caller waits (a tenant target's
 * fan-out is not), so the bound keeps the 202 fast; a larger audience is a tenant broadcast or several requests.
 */
export const maxTargetsPerRequest = 1_000;

/** A validated `POST /api/notifications` body. */
export interface NotificationRequest {
  /** The caller's idempotency key; absent when the gateway is to make the id. */
  id?: string;
  targets: NotificationTarget[];
  message: NotificationMessage;
  /** UTC ISO time; absent or past means at once. */
  sendAt?: string;
  /** UTC ISO time after which undelivered copies are dropped as Expired. */
  expiresAt?: string;
  /** The producer's label to list it by. */
  tag?: string;
  /** Where to POST the final state (status callbacks; only when the gateway has them enabled). */
  callback?: CallbackRequest;
}

/** What a request is checked against besides its own content: the callback allowlist, when callbacks are on. */
export interface RequestPolicy {
  callbacks?: CallbackUrlPolicy;
}

const requestFields = ['id', 'targets', 'message', 'sendAt', 'expiresAt', 'tag', 'callback'] as const;

// Targets, message and times are checked by their own parsers (precise per-form and per-card messages); the
// envelope schema fixes the field set and the simple fields.
const envelopeSchema = z
  .object({
    id: z
      .string({ invalid_type_error: 'id must be a string' })
      .refine(isNotificationId, 'id must be 1–128 characters of A–Z, a–z, 0–9, ".", "_", "-", starting with a letter or digit')
      .optional(),
    targets: z
      .array(z.unknown(), { required_error: 'Required: at least one target', invalid_type_error: 'targets must be an array' })
      .min(1, 'targets is empty; name at least one target')
      .max(maxTargetsPerRequest, `At most ${maxTargetsPerRequest} targets per request; use a tenant target to broadcast`),
    message: z.unknown().refine((message) => message !== undefined, 'Required: the message to send'),
    sendAt: z.unknown().optional(),
    expiresAt: z.unknown().optional(),
    tag: notificationTagSchema.optional(),
    callback: z.unknown().optional(),
  })
  .strict(`allowed fields: ${requestFields.join(', ')}`);

/** Request body text → a NotificationRequest, or a 400 (every problem, with its path) or 413 (too large for Teams). */
export function parseNotificationRequest(bodyText: string, now: Date, policy: RequestPolicy = {}): ValidationResult<NotificationRequest> {
  const json = parseJsonBody(bodyText, 'notification request');
  return json.ok ? validateNotificationRequest(json.value, now, policy) : json;
}

/** As parseNotificationRequest, for a body already parsed as JSON. Never throws. */
export function validateNotificationRequest(body: unknown, now: Date, policy: RequestPolicy = {}): ValidationResult<NotificationRequest> {
  const summary = 'The notification request is invalid';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: badRequest(summary, [{ path: [], message: `The body must be a JSON object with ${requestFields.join(', ')}` }]) };
  }
  const envelope = envelopeSchema.safeParse(body);
  const issues: ValidationIssue[] = envelope.success ? [] : fromZodIssues(envelope.error.issues);
  const fields = body as Record<string, unknown>;

  const targets: NotificationTarget[] = [];
  if (Array.isArray(fields.targets) && fields.targets.length <= maxTargetsPerRequest) {
    fields.targets.forEach((raw: unknown, index) => {
      const parsed = parseNotificationTarget(raw, ['targets', index]);
      if (parsed.ok) targets.push(parsed.target);
      else issues.push(...parsed.issues);
    });
  }
  const message = fields.message === undefined ? undefined : parseNotificationMessage(fields.message, ['message']);
  if (message?.ok === false) issues.push(...message.issues);
  const schedule = parseNotificationSchedule(fields, now);
  if (!schedule.ok) issues.push(...schedule.issues);
  const callback = fields.callback === undefined ? undefined : parseCallbackRequest(fields.callback, policy.callbacks);
  if (callback?.ok === false) issues.push(...callback.issues);

  if (issues.length > 0 || !envelope.success || message?.ok !== true || !schedule.ok || callback?.ok === false) {
    return { ok: false, error: badRequest(summary, issues) };
  }
  const request: NotificationRequest = {
    ...(envelope.data.id === undefined ? {} : { id: envelope.data.id }),
    targets,
    message: message.message,
    ...schedule.schedule,
    ...(envelope.data.tag === undefined ? {} : { tag: envelope.data.tag }),
    ...(callback === undefined ? {} : { callback: callback.callback }),
  };
  // Checked with the fullest copy (a personal chat's, suggested actions included): if that fits, all do.
  const tooLarge = checkActivitySize(buildOutboundActivity(request.message, 'personal'));
  return tooLarge === undefined ? { ok: true, value: request } : { ok: false, error: tooLarge };
}
