import { z } from 'zod';

import { maxTeamsIdBytes, storableId } from '../../store/tableStorageLimits';
import { type JsonPathSegments } from './jsonPath';
import { fromZodIssues, type ValidationIssue } from './validationIssue';

/** `scope` of a tenant target: which of the tenant's active conversations a broadcast reaches. */
export const tenantTargetScopes = ['personal', 'groupChat', 'team', 'all'] as const;
export type TenantTargetScope = (typeof tenantTargetScopes)[number];

/**
 * Who a notification is for, tagged with the form it was given in so the resolver can switch on `kind`.
 * `targetAsGiven` turns one back into the caller's shape (for `unresolved` in the response).
 */
export type NotificationTarget =
  | { kind: 'conversation'; conversationId: string }
  | { kind: 'user'; userId: string; tenantId: string }
  | { kind: 'team'; teamId: string; channelId?: string }
  | { kind: 'tenant'; tenantId: string; scope: TenantTargetScope };
export type NotificationTargetKind = NotificationTarget['kind'];

/** A target as the caller wrote it (no `kind`). */
export type NotificationTargetAsGiven = DistributiveOmit<NotificationTarget, 'kind'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function targetAsGiven(target: NotificationTarget): NotificationTargetAsGiven {
  const { kind: _kind, ...given } = target;
  return given;
}

// Entra ids are GUIDs. Checking the form catches the commonest mistake (a UPN or a Teams `29:` id where the
// object id belongs), which would otherwise only surface later as ConversationNotFound.
export const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Lower-cased because Teams sends aadObjectId and tenant ids in lower case and the store looks them up exactly.
export const entraId = (what: string) =>
  z
    .string({ invalid_type_error: `${what} must be a string (a GUID)` })
    .regex(guidPattern, `${what} must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47`)
    .transform((id) => id.toLowerCase());

// Teams conversation, team and channel ids (`a:1x…`, `19:…@thread.tacv2`) are opaque, but they become Table
// keys: one the store could not hold (too long, control or line-separator characters) can name no stored
// conversation, and is refused here with its field rather than failing in storage (tableStorageLimits.ts).
const teamsId = (what: string) =>
  z
    .string({ invalid_type_error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .superRefine(storableId(maxTeamsIdBytes, what));

interface TargetForm {
  kind: NotificationTargetKind;
  /** How the form is named in messages. */
  label: string;
  required: readonly string[];
  optional: readonly string[];
  schema: z.ZodType<NotificationTarget, z.ZodTypeDef, unknown>;
}

const targetForms: readonly TargetForm[] = [
  {
    kind: 'conversation',
    label: 'a conversation target {conversationId}',
    required: ['conversationId'],
    optional: [],
    schema: z.object({ conversationId: teamsId('conversationId') }).transform((t) => ({ kind: 'conversation' as const, ...t })),
  },
  {
    kind: 'user',
    label: 'a user target {userId, tenantId}',
    required: ['userId', 'tenantId'],
    optional: [],
    schema: z
      .object({ userId: entraId('userId (the user’s Entra object id)'), tenantId: entraId('tenantId') })
      .transform((t) => ({ kind: 'user' as const, ...t })),
  },
  {
    kind: 'team',
    label: 'a team target {teamId, channelId?}',
    required: ['teamId'],
    optional: ['channelId'],
    schema: z
      .object({ teamId: teamsId('teamId'), channelId: teamsId('channelId').optional() })
      .transform(({ teamId, channelId }) => ({ kind: 'team' as const, teamId, ...(channelId === undefined ? {} : { channelId }) })),
  },
  {
    kind: 'tenant',
    label: 'a tenant target {tenantId, scope}',
    required: ['tenantId', 'scope'],
    optional: [],
    schema: z
      .object({
        tenantId: entraId('tenantId'),
        scope: z.enum(tenantTargetScopes, { errorMap: () => ({ message: `scope must be one of ${tenantTargetScopes.join(', ')}` }) }),
      })
      .transform((t) => ({ kind: 'tenant' as const, ...t })),
  },
];

const allTargetKeys = new Set(targetForms.flatMap((form) => [...form.required, ...form.optional]));
const formsList = targetForms.map((form) => form.label).join('; ');

export type TargetParseResult = { ok: true; target: NotificationTarget } | { ok: false; issues: ValidationIssue[] };

/**
 * One raw target → a typed target, or issues at `path`. A target must be exactly one of the four forms; one
 * that matches none is compared with each form and the message names the closest (most fields in common)
 * and what it lacks or has too many, e.g. `{teamId, scope}` → a team target with `scope` not allowed.
 */
export function parseNotificationTarget(raw: unknown, path: JsonPathSegments): TargetParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ path, message: `A target must be an object: ${formsList}` }] };
  }
  const keys = Object.keys(raw);
  const unknownKeys = keys.filter((key) => !allTargetKeys.has(key));
  const issues: ValidationIssue[] = unknownKeys.map((key) => ({ path: [...path, key], message: `Unknown field "${key}" in a target; a target is ${formsList}` }));
  const known = keys.filter((key) => allTargetKeys.has(key));
  if (known.length === 0) {
    return { ok: false, issues: [...issues, { path, message: `A target needs the fields of one form: ${formsList}` }] };
  }

  const fits = targetForms.map((form) => ({
    form,
    matched: known.filter((key) => form.required.includes(key) || form.optional.includes(key)).length,
    missing: form.required.filter((key) => !known.includes(key)),
    extra: known.filter((key) => !form.required.includes(key) && !form.optional.includes(key)),
  }));
  const exact = fits.find((fit) => fit.missing.length === 0 && fit.extra.length === 0);
  if (exact !== undefined) {
    const parsed = exact.form.schema.safeParse(raw);
    if (parsed.success && issues.length === 0) return { ok: true, target: parsed.data };
    // Unknown keys are already reported above; only value problems come from zod here (non-strict object).
    return { ok: false, issues: [...issues, ...(parsed.success ? [] : fromZodIssues(parsed.error.issues, path))] };
  }

  const best = Math.max(...fits.map((fit) => fit.matched));
  const fewestWrong = Math.min(...fits.filter((fit) => fit.matched === best).map((fit) => fit.missing.length + fit.extra.length));
  const closest = fits.filter((fit) => fit.matched === best && fit.missing.length + fit.extra.length === fewestWrong);
  const only = closest.length === 1 ? closest[0] : undefined;
  if (only !== undefined) {
    const { form, missing, extra } = only;
    issues.push({ path, message: `Matches no target form; closest is ${form.label}${describeGap(missing, extra)}. A target is ${formsList}` });
    for (const key of missing) issues.push({ path: [...path, key], message: `Required in ${form.label}` });
    for (const key of extra) issues.push({ path: [...path, key], message: `Not allowed in ${form.label}; a target has exactly one form` });
  } else {
    const candidates = closest.map(({ form, missing, extra }) => `${form.label}${describeGap(missing, extra)}`).join(', or ');
    issues.push({ path, message: `Matches no target form; it could be ${candidates}` });
  }
  return { ok: false, issues };
}

function describeGap(missing: readonly string[], extra: readonly string[]): string {
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`${extra.join(', ')} not allowed`] : []),
  ];
  return ` (${parts.join('; ')})`;
}
