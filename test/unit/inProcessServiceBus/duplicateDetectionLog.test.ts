import { DuplicateDetectionLog } from '../../../dev/inProcessServiceBus/duplicateDetectionLog';

describe('DuplicateDetectionLog', () => {
  it('flags an id seen within the window counted from its first send, and forgets it after', () => {
    const log = new DuplicateDetectionLog(1000);

    expect(log.checkAndRecord('m-1', 0)).toBe(false);
    expect(log.checkAndRecord('m-1', 500)).toBe(true);
    expect(log.checkAndRecord('m-1', 999)).toBe(true);
    expect(log.checkAndRecord('m-1', 1000)).toBe(false);
    expect(log.checkAndRecord('m-1', 1500)).toBe(true);
  });

  it('holds only ids inside the window', () => {
    const log = new DuplicateDetectionLog(1000);
    for (let t = 0; t < 10_000; t++) log.checkAndRecord(`m-${t}`, t);

    expect(log.size).toBe(1000);
  });

  it('detects nothing with a window of zero (duplicate detection off)', () => {
    const log = new DuplicateDetectionLog(0);
    log.checkAndRecord('m-1', 0);

    expect(log.checkAndRecord('m-1', 0)).toBe(false);
  });
});
