import { z } from 'zod';

import { type ControlApiOptions } from './controlApi';
import { parseBody } from './controlBodies';
import { type EmulatorRouter } from './emulatorRouter';
import { controlError, type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type BotAccount, type InboundActivity } from './inboundActivities';
import { type Account, registerActivity, text } from './replayRegistration';

const forgerySchema = z
  .object({
    expired: z.boolean(),
    audience: z.string(),
    issuer: z.string(),
    unendorsedKey: z.boolean(),
    unknownKey: z.boolean(),
    serviceUrlClaim: z.string().nullable(),
    notBeforeInFuture: z.boolean(),
  })
  .partial()
  .strict();

/** `POST /_control/activities`. */
export const replayRequestSchema = z
  .object({
    /** The activity exactly as Teams sent it (a field report, a Microsoft doc sample). */
    activity: z.record(z.unknown()),
    /**
     * `emulator` (default): the serviceUrl's host is replaced by this emulator's, its path kept
     * (`/amer/<tenant>/` stays), so what the gateway stores points here. `verbatim`: sent as it is.
     */
    serviceUrl: z.enum(['emulator', 'verbatim']).default('emulator'),
    /**
     * `emulator` (default): the bot the activity was sent to (`recipient`, and the same id in membersAdded or
     * membersRemoved) becomes this emulator's bot, so the gateway's replies are the registered bot's. `verbatim`: kept.
     */
    recipient: z.enum(['emulator', 'verbatim']).default('emulator'),
    /** true (default): `timestamp`/`localTimestamp` are now, so a replayed sequence is ordered as replayed. */
    restamp: z.boolean().default(true),
    /** false: deliver only, change nothing on the Teams side. */
    register: z.boolean().default(true),
    /** A wrong channel token on purpose (ChannelTokenForgery). */
    forge: forgerySchema.optional(),
  })
  .strict();

/**
 * Replays an arbitrary activity into the gateway, signed like every channel activity. First it registers on
 * the Teams side what the activity names (tenant, user, chat, team, channels, install state, team and channel
 * events), so that the gateway's follow-up sends to those conversations resolve here as in Teams.
 */
export class ActivityReplay {
  constructor(private readonly options: ControlApiOptions) {}

  register(router: EmulatorRouter): void {
    router.add('POST', '/_control/activities', (e) => this.replay(e));
  }

  private async replay(exchange: IncomingExchange): Promise<Reply> {
    const parsed = parseBody(exchange, replayRequestSchema);
    if ('status' in parsed) return parsed;
    const request = parsed.value;
    const activity = structuredClone(request.activity);
    const shape = activityShape(activity);
    if (typeof shape === 'string') return controlError(400, 'InvalidRequest', `activity.${shape}`);
    if (request.serviceUrl === 'emulator') activity.serviceUrl = this.emulatorServiceUrl(shape.serviceUrl);
    if (request.recipient === 'emulator') readdressed(activity, this.options.bot);
    if (request.restamp) {
      const now = new Date(this.options.now()).toISOString();
      activity.timestamp = now;
      if (activity.localTimestamp !== undefined) activity.localTimestamp = now;
    }
    const registered = request.register ? registerActivity(this.options.state, activity as InboundActivity, this.options.defaultTenantId, new Date(this.options.now()).toISOString()) : undefined;
    const gateway = await this.options.delivery.deliver(activity as InboundActivity, request.forge);
    return jsonReply(200, { activity, ...(registered === undefined ? {} : { registered }), gateway: [gateway] });
  }

  private emulatorServiceUrl(serviceUrl: string): string {
    let path = '/amer/';
    try {
      path = new URL(serviceUrl).pathname;
    } catch {
      // An unparseable serviceUrl keeps the default region; the gateway will refuse the activity anyway.
    }
    return `${this.options.serviceUrls().base}${path.endsWith('/') ? path : `${path}/`}`;
  }
}

/** The activity as sent to `bot`: its recipient, and the recipient's own entries in the member lists. */
function readdressed(activity: Record<string, unknown>, bot: BotAccount): void {
  const original = text((activity.recipient as Account | undefined)?.id);
  activity.recipient = { ...(activity.recipient as object | undefined), id: bot.id, name: bot.name };
  for (const list of ['membersAdded', 'membersRemoved'] as const) {
    const members = activity[list];
    if (Array.isArray(members)) activity[list] = (members as Account[]).map((member) => (member.id === original ? { ...member, id: bot.id } : member));
  }
}

function activityShape(activity: Record<string, unknown>): { serviceUrl: string } | string {
  if (typeof activity.type !== 'string' || activity.type === '') return 'type: required';
  if (typeof activity.serviceUrl !== 'string') return 'serviceUrl: required';
  const conversation = activity.conversation as { id?: unknown } | undefined;
  if (typeof conversation?.id !== 'string' || conversation.id === '') return 'conversation.id: required';
  if (typeof activity.id !== 'string') activity.id = `f:${Date.now()}`;
  return { serviceUrl: activity.serviceUrl };
}
