import { type ChannelTokenForgery, type ChannelTokenIssuer } from './channelTokenIssuer';
import { type InboundActivity } from './inboundActivities';

/** What the gateway answered to one posted activity; status 0 when it could not be reached. */
export interface GatewayDeliveryResult {
  activityType: string;
  status: number;
  error?: string;
}

/** Bot Framework gives a bot 15 seconds to answer an activity. */
const botResponseBudgetInMs = 15_000;

/**
 * Posts activities to the bot's messaging endpoint (`<gateway>/api/messages`) as the Bot Connector does: a
 * signed bearer token for the activity's serviceUrl, JSON body, and Teams' routing headers
 * `x-ms-conversation-id` / `x-ms-tenant-id`.
 */
export class GatewayDelivery {
  constructor(
    private readonly gatewayUrl: () => string,
    private readonly tokens: ChannelTokenIssuer,
    private readonly onResult: (result: GatewayDeliveryResult) => void = () => undefined,
  ) {}

  /** With `forge`, the token is made wrong on purpose (a replayed activity testing the gateway's checks). */
  async deliver(activity: InboundActivity, forge?: ChannelTokenForgery): Promise<GatewayDeliveryResult> {
    const result = await this.post(activity, forge);
    this.onResult(result);
    return result;
  }

  private async post(activity: InboundActivity, forge: ChannelTokenForgery | undefined): Promise<GatewayDeliveryResult> {
    const serviceUrl = String(activity.serviceUrl);
    const token = forge === undefined ? this.tokens.tokenFor(serviceUrl) : this.tokens.sign(serviceUrl, forge);
    const conversation = activity.conversation as { id: string; tenantId?: string };
    try {
      const response = await fetch(`${this.gatewayUrl().replace(/\/+$/, '')}/api/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json; charset=utf-8',
          'x-ms-conversation-id': conversation.id,
          'x-ms-tenant-id': conversation.tenantId ?? '',
        },
        body: JSON.stringify(activity),
        signal: AbortSignal.timeout(botResponseBudgetInMs),
      });
      await response.arrayBuffer();
      return { activityType: activity.type, status: response.status };
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      return { activityType: activity.type, status: 0, error: cause };
    }
  }
}
