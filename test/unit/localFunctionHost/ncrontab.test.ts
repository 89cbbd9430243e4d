import { parseNcrontab } from '../../../dev/localFunctionHost/ncrontab';
import { reconcileSchedule } from '../../../shared/reconciliation/reconcileSchedule';

const at = (iso: string): Date => new Date(iso);

describe('NCRONTAB schedules of timer functions', () => {
  it("runs the reconciler's schedule at second 0 of every minute, strictly after the given time", () => {
    const schedule = parseNcrontab(reconcileSchedule);
    expect(schedule.next(at('2026-03-01T10:00:00.000Z'))).toEqual(at('2026-03-01T10:01:00.000Z'));
    expect(schedule.next(at('2026-03-01T10:00:59.999Z'))).toEqual(at('2026-03-01T10:01:00.000Z'));
    expect(schedule.next(at('2026-12-31T23:59:30.000Z'))).toEqual(at('2027-01-01T00:00:00.000Z'));
  });

  it('takes steps, ranges and lists in every field, in UTC', () => {
    expect(parseNcrontab('*/15 * * * * *').next(at('2026-03-01T10:00:16Z'))).toEqual(at('2026-03-01T10:00:30Z'));
    expect(parseNcrontab('0 30 9-17/4 * * *').next(at('2026-03-01T10:00:00Z'))).toEqual(at('2026-03-01T13:30:00Z'));
    expect(parseNcrontab('0 0 0 * * 1,3').next(at('2026-03-01T10:00:00Z'))).toEqual(at('2026-03-02T00:00:00Z')); // a Monday
    expect(parseNcrontab('0 0 12 15 6 *').next(at('2026-07-01T00:00:00Z'))).toEqual(at('2027-06-15T12:00:00Z'));
  });

  it('needs both the day of the month and the day of the week, as NCrontab does (not either, as Vixie cron)', () => {
    // Friday the 13th: under "either", Friday 2026-03-06 would come first.
    expect(parseNcrontab('0 0 0 13 * 5').next(at('2026-03-01T00:00:00Z'))).toEqual(at('2026-03-13T00:00:00Z'));
    expect(parseNcrontab('0 0 0 13 * 5').next(at('2026-03-13T00:00:00Z'))).toEqual(at('2026-11-13T00:00:00Z'));
  });

  it('refuses what is not a 6-field NCRONTAB with the field named', () => {
    expect(() => parseNcrontab('*/5 * * * *')).toThrow(/needs 6 fields/);
    expect(() => parseNcrontab('0 61 * * * *')).toThrow(/minute field "61"/);
    expect(() => parseNcrontab('0 0 0 * JAN *')).toThrow(/month field "JAN"/);
    expect(() => parseNcrontab('0 0 0 31 2 *').next(at('2026-01-01T00:00:00Z'))).toThrow(/never occurs/);
  });
});
