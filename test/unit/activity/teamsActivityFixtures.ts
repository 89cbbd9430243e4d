import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Activities as Teams sends them to a bot (shapes from Teams' conversation-events and messages pages on Microsoft Learn),
 * as plain JSON so tests exercise the parser too.
 */
export const botAppId = '0f6d1c2e-7b1a-4c2e-9a55-3d1b6a7e0b07';
export const botAccount = { id: `28:${botAppId}`, name: 'Notification Gateway' };
export const publicServiceUrl = 'https://smba.trafficmanager.net/amer/';

export const ids = {
  tenant: (): string => randomUUID(),
  aad: (): string => randomUUID(),
  personal: (): string => `a:1${randomBytes(60).toString('base64url')}`,
  groupChat: (): string => `19:${randomBytes(16).toString('hex')}@thread.v2`,
  channel: (): string => `19:${randomBytes(16).toString('hex')}@thread.tacv2`,
  user: (): string => `29:1${randomBytes(40).toString('base64url')}`,
};

export interface Place {
  scope: 'personal' | 'groupChat' | 'channel';
  conversationId: string;
  tenantId: string;
  user: { id: string; aadObjectId: string; name: string };
  teamId?: string;
  serviceUrl?: string;
}

export function personalChat(overrides: Partial<Place> = {}): Place {
  return { scope: 'personal', conversationId: ids.personal(), tenantId: ids.tenant(), user: { id: ids.user(), aadObjectId: ids.aad(), name: 'Ada' }, ...overrides };
}

export function groupChat(overrides: Partial<Place> = {}): Place {
  return { scope: 'groupChat', conversationId: ids.groupChat(), tenantId: ids.tenant(), user: { id: ids.user(), aadObjectId: ids.aad(), name: 'Ada' }, ...overrides };
}

/** A team's channel; without conversationId, the General channel (whose id is the team id). */
export function teamChannel(overrides: Partial<Place> & { teamId?: string } = {}): Place {
  const teamId = overrides.teamId ?? ids.channel();
  return {
    scope: 'channel',
    conversationId: teamId,
    tenantId: ids.tenant(),
    user: { id: ids.user(), aadObjectId: ids.aad(), name: 'Ada' },
    ...overrides,
    teamId,
  };
}

type Json = Record<string, unknown>;

export function activityIn(place: Place, type: string, extra: Json = {}, timestamp: Date = new Date()): Json {
  const conversation: Json =
    place.scope === 'personal'
      ? { conversationType: 'personal', tenantId: place.tenantId, id: place.conversationId }
      : { isGroup: true, conversationType: place.scope, tenantId: place.tenantId, id: place.conversationId };
  const channelData: Json = { tenant: { id: place.tenantId } };
  if (place.scope === 'channel' && place.teamId !== undefined) {
    channelData.team = { id: place.teamId, name: 'Ops', aadGroupId: randomUUID() };
  }
  return {
    type,
    id: `f:${randomBytes(8).toString('hex')}`,
    timestamp: timestamp.toISOString(),
    localTimestamp: timestamp.toISOString(),
    serviceUrl: place.serviceUrl ?? publicServiceUrl,
    channelId: 'msteams',
    from: { ...place.user },
    conversation,
    recipient: { ...botAccount },
    entities: [{ locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Etc/UTC', type: 'clientInfo' }],
    channelData,
    locale: 'en-US',
    ...extra,
  };
}

export const events = {
  install: (place: Place, at?: Date): Json => activityIn(place, 'installationUpdate', { action: 'add' }, at),
  uninstall: (place: Place, at?: Date): Json => activityIn(place, 'installationUpdate', { action: 'remove' }, at),
  botAdded: (place: Place, at?: Date): Json => activityIn(place, 'conversationUpdate', { membersAdded: [{ id: botAccount.id }] }, at),
  botRemoved: (place: Place, at?: Date): Json => activityIn(place, 'conversationUpdate', { membersRemoved: [{ id: botAccount.id }] }, at),
  message: (place: Place, text = 'hello', at?: Date): Json => activityIn(place, 'message', { text, textFormat: 'plain' }, at),
  teamEvent: (place: Place, eventType: string, at?: Date): Json => {
    const activity = activityIn(place, 'conversationUpdate', {}, at);
    (activity.channelData as Json).eventType = eventType;
    return activity;
  },
};
