import { isIP } from 'node:net';

import { z } from 'zod';

import { type JsonPathSegments } from '../notifications/request/jsonPath';
import { fromZodIssues, type ValidationIssue } from '../notifications/request/validationIssue';
import { isAllowedHost } from './callbackHosts';
import { type CallbackUrlPolicy } from './callbackSettings';
import { isRefusedAddress } from './refusedAddresses';

/** A request's `callback`: where the gateway POSTs the notification's final state (and failed deliveries if asked). */
export interface CallbackRequest {
  url: string;
  /** Also one callback per failed delivery, as it fails. */
  deliveryFailures: boolean;
}

export const maxCallbackUrlLength = 2_048;

const callbackSchema = z
  .object({
    url: z.string({ required_error: 'Required: the https URL to POST to', invalid_type_error: 'url must be a string' }),
    deliveryFailures: z.boolean({ invalid_type_error: 'deliveryFailures must be true or false' }).optional(),
  })
  .strict('allowed fields: url, deliveryFailures');

/**
 * The request's `callback`, checked against the configured policy: https only, no user info, at most 2,048
 * characters, a host on the allowlist, and no literal private, loopback or link-local address unless the
 * private-network switch is on (local host only). Names resolved later are checked again at send time.
 */
export function parseCallbackRequest(
  raw: unknown,
  policy: CallbackUrlPolicy | undefined,
  path: JsonPathSegments = ['callback'],
): { ok: true; callback: CallbackRequest } | { ok: false; issues: ValidationIssue[] } {
  if (policy === undefined || policy.allowedHosts.length === 0) {
    return { ok: false, issues: [{ path, message: 'Status callbacks are not enabled on this gateway (no CallbackAllowedHosts configured)' }] };
  }
  const parsed = callbackSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, path);
    return { ok: false, issues: typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? issues : [{ path, message: 'callback must be an object: { "url": "https://…", "deliveryFailures": false }' }] };
  }
  const problem = callbackUrlProblem(parsed.data.url, policy);
  if (problem !== undefined) return { ok: false, issues: [{ path: [...path, 'url'], message: problem }] };
  return { ok: true, callback: { url: parsed.data.url, deliveryFailures: parsed.data.deliveryFailures ?? false } };
}

/** Why `url` may not receive callbacks, or undefined when it may. Pure. */
export function callbackUrlProblem(url: string, policy: CallbackUrlPolicy): string | undefined {
  if (url.length > maxCallbackUrlLength) return `must be at most ${maxCallbackUrlLength} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute https URL';
  }
  if (parsed.protocol !== 'https:') return `must use https, got "${parsed.protocol.replace(/:$/, '')}"`;
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password';
  if (parsed.hash !== '') return 'must not have a fragment (#…)';
  // WHATWG URL has already turned 0x7f.1, 2130706433 and friends into dotted IPv4, so one check covers them.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!isAllowedHost(host, policy.allowedHosts)) return `host "${host}" is not in the gateway's callback allowlist (CallbackAllowedHosts)`;
  if (isIP(host) !== 0 && !policy.allowPrivateNetwork && isRefusedAddress(host)) {
    return `host "${host}" is a private, loopback, link-local or otherwise non-public address; callbacks go to public addresses only`;
  }
  return undefined;
}
