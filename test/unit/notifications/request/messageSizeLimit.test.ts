import { errorCodes } from '../../../../shared/errors';
import { checkActivitySize, messageSizeLimitInBytes, postedSizeInBytes, sendPathOverheadInChars } from '../../../../shared/notifications/request/messageSizeLimit';

const textActivity = (text: string) => ({ type: 'message' as const, text });
// Characters of `{"type":"message","text":""}` around the text.
const frame = JSON.stringify(textActivity('')).length;
const textAtLimit = 'x'.repeat(messageSizeLimitInBytes / 2 - sendPathOverheadInChars - frame);

describe('message size limit', () => {
  it('counts UTF-16 bytes of the posted JSON plus the send path overhead', () => {
    expect(postedSizeInBytes(textActivity('ab'))).toBe((frame + 2 + sendPathOverheadInChars) * 2);
    // An emoji is two UTF-16 code units: four bytes, as Teams counts it.
    expect(postedSizeInBytes(textActivity('😀')) - postedSizeInBytes(textActivity(''))).toBe(4);
    // JSON escaping counts: a quote is posted as \" (two characters).
    expect(postedSizeInBytes(textActivity('"')) - postedSizeInBytes(textActivity(''))).toBe(4);
  });

  it('accepts an activity exactly at the limit', () => {
    expect(postedSizeInBytes(textActivity(textAtLimit))).toBe(messageSizeLimitInBytes);
    expect(checkActivitySize(textActivity(textAtLimit))).toBeUndefined();
  });

  it('refuses one character over with 413, naming the size and the limit', () => {
    const error = checkActivitySize(textActivity(`${textAtLimit}x`));
    expect(error?.code).toBe(errorCodes.PayloadTooLarge);
    expect(error?.message).toBe(
      'The message is 80,002 bytes as Teams measures it (UTF-16, including 4,096 bytes the send path adds); the limit is 80,000 bytes',
    );
    expect(error?.details).toEqual([{ path: 'message', message: error?.message }]);
  });

  it('keeps the accepted size under the documented safe 80 KB', () => {
    expect(messageSizeLimitInBytes).toBeLessThanOrEqual(80 * 1024);
  });
});
