/**
 * `Retry-After` as a delay in ms: delta-seconds (`"3"`, Teams sometimes sends fractions) or an HTTP-date
 * relative to `now` (a date in the past means "now": 0). Undefined when absent or unreadable, so the policy
 * falls back to its own backoff. Hand-written: the SDK's parser lives inside the retry policy we remove.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also reads); must name a weekday
  // or month so that stray numbers are not read as dates.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
