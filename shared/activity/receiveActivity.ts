import { type InboundAuthenticator } from '../auth/inboundAuthenticator';
import { isTrustedServiceUrl } from '../cloudEnvironment';
import { errorCodes, GatewayError } from '../errors';
import { type ConversationStore, type StatusChange, type StoredConversation } from '../store/conversationStore';
import { conversationFactsOf } from './conversationFacts';
import { classifyLifecycle, eventTimeOf, type LifecycleChange } from './conversationLifecycle';
import { conversationReferenceOf } from './conversationReference';
import { parseInboundActivity } from './inboundActivity';

export interface ReceiveActivityDependencies {
  authenticator: InboundAuthenticator;
  store: ConversationStore;
  /** Exact hosts (config.trustedServiceUrlHosts). */
  trustedServiceUrlHosts: readonly string[];
  now: () => Date;
}

export interface InboundActivityRequest {
  authorization: string | null | undefined;
  bodyText: string;
}

export interface ReceivedActivity {
  activityType: string;
  conversation: StoredConversation;
  lifecycle?: LifecycleChange;
  /** For a lifecycle change: applied, or superseded by a newer decision already stored. */
  verdict?: 'applied' | 'superseded' | 'notFound';
  /** Other stored conversations a team- or channel-wide change was applied to. */
  alsoChanged: number;
}

/**
 * What `/api/messages` does, in order: authenticate (401 before anything else is looked at), parse (400),
 * refuse an untrusted serviceUrl (403; the token is genuine but the gateway would never send its own token
 * there), then store the reference and apply the lifecycle. Only storage calls; nothing slow.
 */
export async function receiveActivity(dependencies: ReceiveActivityDependencies, request: InboundActivityRequest): Promise<ReceivedActivity> {
  const { authenticator, store } = dependencies;
  await authenticator.authenticate(request.authorization, looseActivityFields(request.bodyText));
  const activity = parseInboundActivity(request.bodyText);
  if (!isTrustedServiceUrl(activity.serviceUrl, dependencies.trustedServiceUrlHosts)) {
    throw new GatewayError(errorCodes.UntrustedServiceUrl, 'The activity came from a serviceUrl whose host is not trusted; nothing was stored.', [
      { path: 'serviceUrl', message: `host "${hostOf(activity.serviceUrl)}" is not on the trusted list` },
    ]);
  }

  const receivedAt = dependencies.now();
  const eventAt = eventTimeOf(activity, receivedAt);
  const facts = conversationFactsOf(activity);
  const lifecycle = classifyLifecycle(activity);
  const change: StatusChange | undefined =
    lifecycle === undefined
      ? undefined
      : {
          status: lifecycle.status,
          reason: lifecycle.reason,
          at: eventAt,
          ...(lifecycle.onlyIfRemovedFor === undefined ? {} : { onlyIfRemovedFor: lifecycle.onlyIfRemovedFor }),
        };
  // A channel event (channelDeleted) names another conversation; this one only gets its reference refreshed.
  const changesThis = change !== undefined && (lifecycle?.target.kind !== 'channel' || lifecycle.target.conversationId === facts.conversationId);
  const upserted = await store.upsertFromActivity({
    reference: conversationReferenceOf(activity),
    facts,
    eventAt,
    ...(changesThis ? { change } : {}),
  });

  let alsoChanged = 0;
  let verdict: ReceivedActivity['verdict'] = upserted.verdict;
  if (lifecycle !== undefined && change !== undefined) {
    if (lifecycle.target.kind === 'team') {
      alsoChanged = await applyToTeam(store, lifecycle.target.teamId, facts.tenantId, facts.conversationId, change);
    } else if (lifecycle.target.kind === 'channel' && !changesThis) {
      const result = await store.applyStatusChange(lifecycle.target.conversationId, change);
      verdict = result.outcome;
      if (result.outcome === 'applied') alsoChanged = 1;
    }
  }
  const received: ReceivedActivity = { activityType: activity.type, conversation: upserted.conversation, alsoChanged };
  if (lifecycle !== undefined) received.lifecycle = lifecycle;
  if (verdict !== undefined) received.verdict = verdict;
  return received;
}

/** The bot is installed per team: the same ordered change for every other stored conversation of the team. */
async function applyToTeam(store: ConversationStore, teamId: string, tenantId: string, except: string, change: StatusChange): Promise<number> {
  let applied = 0;
  for await (const page of store.listByTeam(teamId)) {
    const targets = page.filter((summary) => summary.conversationId !== except && summary.tenantId === tenantId);
    const results = await Promise.all(targets.map(async (summary) => store.applyStatusChange(summary.conversationId, change)));
    applied += results.filter((result) => result.outcome === 'applied').length;
  }
  return applied;
}

/** channelId and serviceUrl from a body that may not parse as an activity, for the token check that comes first. */
function looseActivityFields(bodyText: string): { channelId?: string; serviceUrl?: string } {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const { channelId, serviceUrl } = json as { channelId?: unknown; serviceUrl?: unknown };
  return {
    ...(typeof channelId === 'string' ? { channelId } : {}),
    ...(typeof serviceUrl === 'string' ? { serviceUrl } : {}),
  };
}

function hostOf(serviceUrl: string): string {
  try {
    return new URL(serviceUrl).host;
  } catch {
    return serviceUrl;
  }
}
