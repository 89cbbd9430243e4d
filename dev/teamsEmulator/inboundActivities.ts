import { type EmulatedConversation } from './teamsState';

export interface BotAccount {
  id: string;
  name: string;
}

export type InboundActivity = Record<string, unknown> & { type: string; id: string; conversation: { id: string } };

/**
 * The activities Teams posts to a bot's messaging endpoint, shaped as Teams shapes them (field names, id forms,
 * channelData per scope). Pure: ids and time come in as arguments.
 */
export const inboundActivities = {
  installationUpdate(conversation: EmulatedConversation, bot: BotAccount, action: 'add' | 'remove', id: string, now: Date): InboundActivity {
    const activity = envelope(conversation, bot, 'installationUpdate', id, now);
    activity.action = action;
    if (conversation.type === 'channel') {
      activity.channelData = { ...channelDataOf(conversation), settings: { selectedChannel: { id: conversation.channelId } }, source: { name: 'message' } };
    }
    return activity;
  },

  conversationUpdate(conversation: EmulatedConversation, bot: BotAccount, change: 'added' | 'removed', id: string, now: Date): InboundActivity {
    const activity = envelope(conversation, bot, 'conversationUpdate', id, now);
    activity[change === 'added' ? 'membersAdded' : 'membersRemoved'] = [{ id: bot.id }];
    if (conversation.type === 'channel') {
      activity.channelData = { ...channelDataOf(conversation), eventType: change === 'added' ? 'teamMemberAdded' : 'teamMemberRemoved' };
    }
    return activity;
  },

  /** A user's message. In group chats and channels users reach a bot by @mentioning it, so the text carries the mention. */
  message(conversation: EmulatedConversation, bot: BotAccount, text: string, id: string, now: Date): InboundActivity {
    const activity = envelope(conversation, bot, 'message', id, now);
    activity.textFormat = 'plain';
    if (conversation.type === 'personal') {
      activity.text = text;
    } else {
      const mention = `<at>${bot.name}</at>`;
      activity.text = `${mention} ${text}`;
      activity.entities = [...(activity.entities as unknown[]), { type: 'mention', text: mention, mentioned: { id: bot.id, name: bot.name } }];
    }
    if (conversation.type === 'channel') {
      // A channel post starts a thread; its activities address the thread `<channel>;messageid=<post id>`.
      activity.conversation = { ...activity.conversation, id: `${conversation.channelId ?? conversation.id};messageid=${id}` };
      activity.channelData = { ...channelDataOf(conversation), teamsTeamId: conversation.team?.id, teamsChannelId: conversation.channelId };
    }
    return activity;
  },
};

function envelope(conversation: EmulatedConversation, bot: BotAccount, type: string, id: string, now: Date): InboundActivity {
  const timestamp = now.toISOString();
  const conversationAccount: Record<string, unknown> =
    conversation.type === 'personal'
      ? { conversationType: 'personal', tenantId: conversation.tenantId, id: conversation.id }
      : { isGroup: true, conversationType: conversation.type, tenantId: conversation.tenantId, id: conversation.id };
  return {
    type,
    id,
    timestamp,
    localTimestamp: timestamp,
    serviceUrl: conversation.serviceUrl,
    channelId: 'msteams',
    from: { id: conversation.user.id, name: conversation.user.name, aadObjectId: conversation.user.aadObjectId },
    conversation: conversationAccount as InboundActivity['conversation'],
    recipient: { id: bot.id, name: bot.name },
    entities: [{ locale: conversation.locale, country: conversation.locale.split('-')[1] ?? 'US', platform: 'Web', timezone: 'Etc/UTC', type: 'clientInfo' }],
    channelData: channelDataOf(conversation),
    locale: conversation.locale,
    localTimezone: 'Etc/UTC',
  };
}

function channelDataOf(conversation: EmulatedConversation): Record<string, unknown> {
  const tenant = { id: conversation.tenantId };
  if (conversation.type !== 'channel' || conversation.team === undefined) return { tenant };
  return {
    team: { id: conversation.team.id, name: conversation.team.name, aadGroupId: conversation.team.aadGroupId },
    channel: { id: conversation.channelId },
    tenant,
  };
}
