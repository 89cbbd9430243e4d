import { conversationFactsOf } from './conversationFacts';
import { type InboundActivity } from './inboundActivity';

export const conversationStatuses = ['active', 'removed'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

/** Why the gateway changed a conversation's status because of something Teams told it. */
export const lifecycleReasons = {
  installationAdded: 'installationAdded',
  installationRemoved: 'installationRemoved',
  botAdded: 'botAdded',
  botRemoved: 'botRemoved',
  teamDeleted: 'teamDeleted',
  teamRestored: 'teamRestored',
  teamArchived: 'teamArchived',
  teamUnarchived: 'teamUnarchived',
  channelDeleted: 'channelDeleted',
  channelRestored: 'channelRestored',
  /** The user wrote (or acted) in the conversation: Teams' signal that a block or disable is over. */
  userActivity: 'userActivity',
} as const;
export type LifecycleReason = (typeof lifecycleReasons)[keyof typeof lifecycleReasons];

/** Which stored conversations a lifecycle change applies to. */
export type LifecycleTarget =
  /** The conversation the activity arrived in. */
  | { kind: 'conversation' }
  /** Every stored conversation of the team (the bot is installed per team, not per channel). */
  | { kind: 'team'; teamId: string }
  /** A channel named by a channel event that arrives in another conversation (channelDeleted/Restored). */
  | { kind: 'channel'; conversationId: string };

export interface LifecycleChange {
  target: LifecycleTarget;
  status: ConversationStatus;
  reason: LifecycleReason;
  /**
   * For an activation that only undoes one kind of removal (teamUnarchived undoes teamArchived): conversations
   * removed for any other reason (uninstalled, blocked) stay removed.
   */
  onlyIfRemovedFor?: readonly string[];
}

const installActions: Readonly<Record<string, ConversationStatus>> = {
  add: 'active',
  'add-upgrade': 'active',
  remove: 'removed',
  'remove-upgrade': 'removed',
};

/** Activity types a user initiates; Teams: stop posting after a block "until interaction is initiated by a user". */
const userInitiatedTypes = new Set(['message', 'messageUpdate', 'messageReaction', 'invoke']);

/**
 * What an inbound activity means for stored conversations, as data: undefined when it only refreshes the
 * reference. Pure: the caller applies it, ordered by event time (see eventTimeOf).
 */
export function classifyLifecycle(activity: InboundActivity): LifecycleChange | undefined {
  const facts = conversationFactsOf(activity);
  // The bot is installed in a team, not in one channel: add/remove seen in a team affects all its channels.
  const installTarget: LifecycleTarget =
    facts.scope === 'channel' && facts.teamId !== undefined ? { kind: 'team', teamId: facts.teamId } : { kind: 'conversation' };
  const botId = activity.recipient.id;

  if (activity.type === 'installationUpdate') {
    const status = activity.action === undefined ? undefined : installActions[activity.action.toLowerCase()];
    if (status === undefined) return undefined;
    return {
      target: installTarget,
      status,
      reason: status === 'active' ? lifecycleReasons.installationAdded : lifecycleReasons.installationRemoved,
    };
  }

  if (activity.type === 'conversationUpdate') {
    const teamId = activity.channelData?.team?.id;
    // Compared case-insensitively: Microsoft's own teamRestored sample spells it `teamrestored`.
    const eventType = activity.channelData?.eventType?.toLowerCase();
    if (teamId !== undefined) {
      const team: LifecycleTarget = { kind: 'team', teamId };
      switch (eventType) {
        case 'teamdeleted':
        case 'teamharddeleted':
          return { target: team, status: 'removed', reason: lifecycleReasons.teamDeleted };
        case 'teamrestored':
          return { target: team, status: 'active', reason: lifecycleReasons.teamRestored, onlyIfRemovedFor: [lifecycleReasons.teamDeleted] };
        case 'teamarchived':
          // An archived team is read-only: posts fail until it is unarchived.
          return { target: team, status: 'removed', reason: lifecycleReasons.teamArchived };
        case 'teamunarchived':
          return { target: team, status: 'active', reason: lifecycleReasons.teamUnarchived, onlyIfRemovedFor: [lifecycleReasons.teamArchived] };
        default:
          break;
      }
    }
    const channelId = activity.channelData?.channel?.id;
    if (channelId !== undefined && eventType === 'channeldeleted') {
      return { target: { kind: 'channel', conversationId: channelId }, status: 'removed', reason: lifecycleReasons.channelDeleted };
    }
    if (channelId !== undefined && eventType === 'channelrestored') {
      return {
        target: { kind: 'channel', conversationId: channelId },
        status: 'active',
        reason: lifecycleReasons.channelRestored,
        onlyIfRemovedFor: [lifecycleReasons.channelDeleted],
      };
    }
    if (activity.membersRemoved?.some((member) => member.id === botId) === true) {
      return { target: installTarget, status: 'removed', reason: lifecycleReasons.botRemoved };
    }
    if (activity.membersAdded?.some((member) => member.id === botId) === true) {
      return { target: installTarget, status: 'active', reason: lifecycleReasons.botAdded };
    }
    return undefined;
  }

  if (userInitiatedTypes.has(activity.type) && activity.from !== undefined && activity.from.id !== botId) {
    return { target: { kind: 'conversation' }, status: 'active', reason: lifecycleReasons.userActivity };
  }
  return undefined;
}

/**
 * When the event happened: Teams' `timestamp`, but never later than when it was received (a clock ahead of
 * ours must not make an event outrank every later one). Missing or unreadable: the receipt time.
 */
export function eventTimeOf(activity: Pick<InboundActivity, 'timestamp'>, receivedAt: Date): Date {
  if (activity.timestamp === undefined) return receivedAt;
  const stamped = Date.parse(activity.timestamp);
  if (Number.isNaN(stamped)) return receivedAt;
  return new Date(Math.min(stamped, receivedAt.getTime()));
}
