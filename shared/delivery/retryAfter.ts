/**
 * `Retry-After` as Teams and HTTP send it: delta-seconds (`120`, tolerated with a fraction) or an HTTP-date
 * (IMF-fixdate, the obsolete RFC 850 and asctime forms, all GMT; RFC 9110 §10.2.3). Returns the wait in ms
 * from `now`, 0 for a date already past, undefined for anything else.
 */

/** A longer wait is not a throttling hint but a broken header; falling back to backoff is safer. */
export const maxRetryAfterInMs = 24 * 60 * 60 * 1000;

const days = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const longDays = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const month = `(${months.join('|')})`;
const time = '(\\d{2}):(\\d{2}):(\\d{2})';
const imfFixdate = new RegExp(`^${days}, (\\d{2}) ${month} (\\d{4}) ${time} GMT$`);
const rfc850 = new RegExp(`^${longDays}, (\\d{2})-${month}-(\\d{2}) ${time} GMT$`);
const asctime = new RegExp(`^${days} ${month} ([ \\d]\\d) ${time} (\\d{4})$`);

export function parseRetryAfter(headerValue: string | null | undefined, now: Date): number | undefined {
  const value = headerValue?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Math.ceil(Number(value) * 1000);
    return ms <= maxRetryAfterInMs ? ms : undefined;
  }
  const at = parseHttpDate(value, now);
  if (at === undefined) return undefined;
  const ms = Math.max(0, at - now.getTime());
  return ms <= maxRetryAfterInMs ? ms : undefined;
}

/** Epoch ms of an HTTP-date, or undefined; exact-format parsing so `Date.parse("1")` leniency never applies. */
export function parseHttpDate(value: string, now: Date): number | undefined {
  let parts: { day: string; month: string; year: number; h: string; m: string; s: string } | undefined;
  let match = imfFixdate.exec(value);
  if (match !== null) {
    const [, day = '', mon = '', year = '', h = '', m = '', s = ''] = match;
    parts = { day, month: mon, year: Number(year), h, m, s };
  } else if ((match = rfc850.exec(value)) !== null) {
    const [, day = '', mon = '', yy = '', h = '', m = '', s = ''] = match;
    parts = { day, month: mon, year: twoDigitYear(Number(yy), now), h, m, s };
  } else if ((match = asctime.exec(value)) !== null) {
    const [, mon = '', day = '', h = '', m = '', s = '', year = ''] = match;
    parts = { day: day.trim(), month: mon, year: Number(year), h, m, s };
  }
  if (parts === undefined) return undefined;
  const monthIndex = months.indexOf(parts.month);
  const [day, hours, minutes, seconds] = [parts.day, parts.h, parts.m, parts.s].map(Number) as [number, number, number, number];
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const at = Date.UTC(parts.year, monthIndex, day, hours, minutes, Math.min(seconds, 59));
  // Date.UTC rolls 31 Feb into March; a date that does not round-trip is not a date.
  if (new Date(at).getUTCDate() !== day) return undefined;
  return at;
}

/** RFC 9110: a two-digit year more than 50 years in the future is in the past century. */
function twoDigitYear(yy: number, now: Date): number {
  const thisYear = now.getUTCFullYear();
  const candidate = Math.floor(thisYear / 100) * 100 + yy;
  return candidate > thisYear + 50 ? candidate - 100 : candidate;
}
