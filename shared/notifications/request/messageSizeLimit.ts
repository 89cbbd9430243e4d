import { errorCodes, GatewayError } from '../../errors';
import { type OutboundActivity } from '../../queue/deliveryMessage';

/**
 * Teams' bot message size limit. Microsoft Learn, Teams: Format your bot messages — "The bot message size
 * limit is 100 KB … it includes the message itself (text, image links, etc.), @-mentions, and reactions
 * encoded as UTF-16 … it's recommended to ensure that the size of the message itself is within 80 KB to
 * guarantee successful message delivery"; above the limit the bot gets 413 with code MessageSizeTooBig.
 * (Older revisions said 40 KB; the ~28 KB often quoted is the Power Automate Teams connector's limit.)
 */
export const teamsMessageSizeLimitInBytes = 100 * 1024;

/**
 * What the gateway accepts: the documented 80 KB that guarantees delivery, read as 80,000 bytes so either
 * meaning of "KB" holds. Reactions added later count against Teams' 100 KB too, and an update must still fit.
 */
export const messageSizeLimitInBytes = 80_000;

/**
 * Characters the send path adds to the activity before posting: `from` (28:<app id> and the bot's name),
 * `conversation` (id, type, tenant), `recipient`, `channelData.tenant`, `serviceUrl`, `channelId`. Teams
 * conversation ids run to a few hundred characters; 2,048 covers the lot with room to spare.
 */
export const sendPathOverheadInChars = 2_048;

/**
 * Size of the activity as Teams counts it: UTF-16, two bytes per JavaScript string unit (a string's
 * `length` is its UTF-16 code unit count), of the JSON posted, plus the send path's additions.
 * Base64 images would be excluded by Teams; counting them makes this conservative, never permissive.
 */
export function postedSizeInBytes(activity: OutboundActivity): number {
  return (JSON.stringify(activity).length + sendPathOverheadInChars) * 2;
}

/** A PayloadTooLarge error (HTTP 413) naming the size and the limit, or undefined when the activity fits. */
export function checkActivitySize(activity: OutboundActivity): GatewayError | undefined {
  const size = postedSizeInBytes(activity);
  if (size <= messageSizeLimitInBytes) return undefined;
  const message = `The message is ${size.toLocaleString('en-US')} bytes as Teams measures it (UTF-16, including ${(sendPathOverheadInChars * 2).toLocaleString('en-US')} bytes the send path adds); the limit is ${messageSizeLimitInBytes.toLocaleString('en-US')} bytes`;
  return new GatewayError(errorCodes.PayloadTooLarge, message, [{ path: 'message', message }]);
}
