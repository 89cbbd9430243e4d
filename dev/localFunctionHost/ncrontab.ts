/**
 * The NCRONTAB expressions of Azure Functions timer triggers, `{second} {minute} {hour} {day} {month}
 * {day-of-week}`, for the local host: `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, and lists with `,`
 * (no month or day names). Times are UTC, the Functions default (WEBSITE_TIME_ZONE unset). Pure.
 */
export interface NcrontabSchedule {
  readonly text: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

const fieldRanges = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

/** A schedule that matches nothing for this long is a mistake (e.g. 31 February), not a schedule. */
const searchLimitInMs = 4 * 366 * 86_400_000;

export function parseNcrontab(text: string): NcrontabSchedule {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`Timer schedule "${text}" is not NCRONTAB: it needs 6 fields ({second} {minute} {hour} {day} {month} {day-of-week})`);
  const [seconds, minutes, hours, days, months, weekdays] = fields.map((field, i) => parseField(field, fieldRanges[i]!, text));
  // As NCrontab (the Functions host's parser) does, unlike Vixie cron: a day must match both the day of the
  // month and the day of the week (`0 0 0 13 * 5` is Friday the 13th only).
  const dayMatches = (at: Date): boolean => days!.has(at.getUTCDate()) && weekdays!.has(at.getUTCDay());
  return {
    text,
    next(after: Date): Date {
      let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      const limit = t + searchLimitInMs;
      while (t < limit) {
        const at = new Date(t);
        if (!months!.has(at.getUTCMonth() + 1) || !dayMatches(at)) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
        else if (!hours!.has(at.getUTCHours())) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours() + 1);
        else if (!minutes!.has(at.getUTCMinutes())) t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes() + 1);
        else if (!seconds!.has(at.getUTCSeconds())) t += 1000;
        else return at;
      }
      throw new Error(`Timer schedule "${text}" never occurs`);
    },
  };
}

function parseField(field: string, range: (typeof fieldRanges)[number], text: string): ReadonlySet<number> {
  const values = new Set<number>();
  const bad = (why: string): Error => new Error(`Timer schedule "${text}": the ${range.name} field "${field}" ${why}`);
  for (const part of field.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (match === null) throw bad('is not a number, range, step or list (names are not supported here)');
    const from = match[1] === '*' ? range.min : Number(match[2]);
    const to = match[1] === '*' ? range.max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? range.max : from;
    const step = match[4] === undefined ? 1 : Number(match[4]);
    if (from < range.min || to > range.max || from > to || step < 1) throw bad(`is outside ${range.min}-${range.max}`);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}
