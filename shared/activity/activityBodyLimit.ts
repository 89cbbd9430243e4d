import { type BodyLimit } from '../http/boundedRequestBody';

/**
 * Most bytes of an activity read from `/api/messages`. Teams caps a message at about 100 KB counted as UTF-16
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages); an inbound
 * activity carries that text, the same content again as an HTML attachment, mentions and channelData, so
 * about 250 KB at worst. 512 KiB leaves twice that, and only a caller with a genuine channel token gets this
 * far (the token is checked before the body is read).
 */
export const activityBodyLimit: BodyLimit = { maxBytes: 512 * 1024, what: 'activity' };
