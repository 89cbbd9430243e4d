import { type EmulatorLimits, type LimitsUpdate } from '../../dev/teamsEmulator/emulatorLimits';
import { type EmulatorStatsSnapshot } from '../../dev/teamsEmulator/emulatorStats';
import { type TeamsUser } from '../../dev/teamsEmulator/teamsState';

/** `POST /_control/conversations` → what the bench keeps of a conversation Teams now has. */
export interface CreatedConversation {
  conversationId: string;
  type: 'personal';
  serviceUrl: string;
  tenantId: string;
  user: TeamsUser;
  bot: { id: string; name: string };
  gateway: { activityType: string; status: number; error?: string }[];
}

/** One message as the conversation shows it (`GET /_control/conversations/{id}/activities`). */
export interface PostedActivityView {
  id: string;
  text?: string;
  receivedCount: number;
  createdAt: string;
}

/** The emulator's control API, as the bench drives it: the Teams side of every run. */
export class EmulatorControl {
  constructor(readonly url: string) {}

  async info(): Promise<Record<string, unknown>> {
    return this.call<Record<string, unknown>>('GET', '/_control');
  }

  async createPersonalConversation(tenantId: string, userName: string): Promise<CreatedConversation> {
    return this.call<CreatedConversation>('POST', '/_control/conversations', { type: 'personal', tenantId, user: { name: userName } });
  }

  async stats(): Promise<EmulatorStatsSnapshot> {
    return this.call<EmulatorStatsSnapshot>('GET', '/_control/stats');
  }

  async limits(): Promise<EmulatorLimits> {
    return this.call<EmulatorLimits>('GET', '/_control/limits');
  }

  async setLimits(update: LimitsUpdate): Promise<EmulatorLimits> {
    return this.call<EmulatorLimits>('PUT', '/_control/limits', update);
  }

  async gatewayUrl(): Promise<string> {
    return (await this.call<{ url: string }>('GET', '/_control/gateway')).url;
  }

  async setGatewayUrl(url: string): Promise<void> {
    await this.call('PUT', '/_control/gateway', { url });
  }

  async activities(conversationId: string): Promise<PostedActivityView[]> {
    const body = await this.call<{ activities: PostedActivityView[] }>('GET', `/_control/conversations/${encodeURIComponent(conversationId)}/activities`);
    return body.activities;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** Bot Connector sends the emulator answered 2xx (send and reply routes), from a stats snapshot. */
export function acceptedSends(stats: EmulatorStatsSnapshot): number {
  let total = 0;
  for (const [route, byStatus] of Object.entries(stats.requests)) {
    if (!/^POST .*\/v3\/conversations\/\{conversationId\}\/activities/.test(route)) continue;
    for (const [status, count] of Object.entries(byStatus)) if (/^2\d\d$/.test(status)) total += count;
  }
  return total;
}

/** 429s the emulator answered: the rate limits' own, plus injected ones (none in the bench). */
/** Every request to the Bot Connector API (`/v3/...`: sends, updates, deletes, members), whatever its answer. */
export function connectorRequests(stats: EmulatorStatsSnapshot): number {
  let total = 0;
  for (const [route, byStatus] of Object.entries(stats.requests)) {
    if (!/^[A-Z]+ \S*\/v3\//.test(route)) continue;
    for (const count of Object.values(byStatus)) total += count;
  }
  return total;
}

export function throttledAnswers(stats: EmulatorStatsSnapshot): number {
  return stats.throttled + (stats.faults['429'] ?? 0);
}
