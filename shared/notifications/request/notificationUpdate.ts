import { z } from 'zod';

import { parseJsonBody } from './jsonBody';
import { checkActivitySize } from './messageSizeLimit';
import { type NotificationMessage, parseNotificationMessage } from './notificationMessage';
import { buildOutboundActivity } from './outboundActivityBuilder';
import { badRequest, fromZodIssues, type ValidationResult } from './validationIssue';

/** A validated `PATCH /api/notifications/{id}` body: the new message for every sent copy. */
export interface NotificationUpdate {
  message: NotificationMessage;
}

const envelopeSchema = z
  .object({ message: z.unknown().refine((message) => message !== undefined, 'Required: the new message') })
  .strict('allowed fields: message');

/** PATCH body text → a NotificationUpdate, or a 400 / 413 under the same message rules as a new notification. */
export function parseNotificationUpdate(bodyText: string): ValidationResult<NotificationUpdate> {
  const json = parseJsonBody(bodyText, 'notification update');
  return json.ok ? validateNotificationUpdate(json.value) : json;
}

/** As parseNotificationUpdate, for a body already parsed as JSON. Never throws. */
export function validateNotificationUpdate(body: unknown): ValidationResult<NotificationUpdate> {
  const summary = 'The notification update is invalid';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: badRequest(summary, [{ path: [], message: 'The body must be a JSON object: {"message": {...}}' }]) };
  }
  const envelope = envelopeSchema.safeParse(body);
  const issues = envelope.success ? [] : fromZodIssues(envelope.error.issues);
  const raw = (body as Record<string, unknown>).message;
  const message = raw === undefined ? undefined : parseNotificationMessage(raw, ['message']);
  if (message?.ok === false) issues.push(...message.issues);
  if (issues.length > 0 || message?.ok !== true) return { ok: false, error: badRequest(summary, issues) };
  const tooLarge = checkActivitySize(buildOutboundActivity(message.message, 'personal'));
  return tooLarge === undefined ? { ok: true, value: { message: message.message } } : { ok: false, error: tooLarge };
}
