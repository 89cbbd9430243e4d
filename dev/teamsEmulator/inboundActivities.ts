import { type EmulatedConversation, type EmulatedTeam, type TeamsUser } from './teamsState';

export interface BotAccount {
  id: string;
  name: string;
}

export type InboundActivity = Record<string, unknown> & { type: string; id: string; conversation: { id: string } };

export type InstallAction = 'add' | 'remove' | 'add-upgrade' | 'remove-upgrade';
export type TeamEventType = 'teamRenamed' | 'teamArchived' | 'teamUnarchived' | 'teamDeleted' | 'teamHardDeleted' | 'teamRestored';
export type ChannelEventType = 'channelCreated' | 'channelRenamed' | 'channelDeleted' | 'channelRestored';

/**
 * The activities Teams posts to a bot's messaging endpoint, shaped as Teams shapes them (field names, id forms,
 * channelData per scope), after Microsoft's "Conversation events in your Teams bot" page: an install in a team
 * arrives in the channel the user selected (`settings.selectedChannel`); every other team event arrives in the
 * General channel (conversation id = team id) with the channel or team it concerns in channelData. Pure: ids
 * and time come in as arguments.
 */
export const inboundActivities = {
  installationUpdate(conversation: EmulatedConversation, bot: BotAccount, action: InstallAction, id: string, now: Date): InboundActivity {
    const activity = envelope(conversation, bot, 'installationUpdate', id, now);
    activity.action = action;
    const selected = conversation.type === 'channel' ? { settings: { selectedChannel: { id: conversation.id } }, channel: { id: conversation.id } } : {};
    activity.channelData = { ...selected, ...channelDataOf(conversation), source: { name: 'message' } };
    return activity;
  },

  /** The bot added or removed; a personal install lists the user too, as Teams does. */
  conversationUpdate(conversation: EmulatedConversation, bot: BotAccount, change: 'added' | 'removed', id: string, now: Date): InboundActivity {
    const activity = envelope(conversation, bot, 'conversationUpdate', id, now);
    const members: Record<string, unknown>[] = [{ id: bot.id }];
    if (conversation.type === 'personal' && change === 'added') members.push({ id: conversation.user.id, aadObjectId: conversation.user.aadObjectId });
    activity[change === 'added' ? 'membersAdded' : 'membersRemoved'] = members;
    if (conversation.type === 'channel') {
      activity.channelData = {
        ...(change === 'added' ? { settings: { selectedChannel: { id: conversation.id } } } : {}),
        ...channelDataOf(conversation),
        eventType: change === 'added' ? 'teamMemberAdded' : 'teamMemberRemoved',
      };
    }
    return activity;
  },

  /** A team-wide event, delivered in General: channelData.team names the team (with its new name on teamRenamed). */
  teamEvent(general: EmulatedConversation, team: EmulatedTeam, bot: BotAccount, eventType: TeamEventType, actor: TeamsUser, id: string, now: Date): InboundActivity {
    const activity = envelope({ ...general, user: actor }, bot, 'conversationUpdate', id, now);
    activity.channelData = { team: { id: team.id, name: team.name }, eventType, tenant: { id: team.tenantId } };
    return activity;
  },

  /** A channel event, delivered in General: channelData.channel is the channel it concerns. */
  channelEvent(general: EmulatedConversation, channel: EmulatedConversation, bot: BotAccount, eventType: ChannelEventType, actor: TeamsUser, id: string, now: Date): InboundActivity {
    const activity = envelope({ ...general, user: actor }, bot, 'conversationUpdate', id, now);
    activity.channelData = {
      channel: { id: channel.id, ...(channel.name === undefined ? {} : { name: channel.name }) },
      team: { id: general.team?.id ?? general.id },
      eventType,
      tenant: { id: general.tenantId },
    };
    return activity;
  },

  /** Users (not the bot) joining or leaving a team, delivered in General. */
  teamMembersChanged(general: EmulatedConversation, bot: BotAccount, change: 'added' | 'removed', users: readonly TeamsUser[], actor: TeamsUser, id: string, now: Date): InboundActivity {
    const activity = envelope({ ...general, user: actor }, bot, 'conversationUpdate', id, now);
    activity[change === 'added' ? 'membersAdded' : 'membersRemoved'] = users.map((user) => ({ id: user.id, aadObjectId: user.aadObjectId }));
    activity.channelData = { ...channelDataOf(general), eventType: change === 'added' ? 'teamMemberAdded' : 'teamMemberRemoved' };
    delete (activity.channelData as Record<string, unknown>).channel;
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
  const name = conversation.name === undefined ? {} : { name: conversation.name };
  const conversationAccount: Record<string, unknown> =
    conversation.type === 'personal'
      ? { conversationType: 'personal', tenantId: conversation.tenantId, id: conversation.id }
      : { isGroup: true, conversationType: conversation.type, tenantId: conversation.tenantId, id: conversation.id, ...name };
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
