import { type InboundAuthenticator } from '../auth/inboundAuthenticator';
import { isTrustedServiceUrl } from '../cloudEnvironment';
import { errorCodes, GatewayError } from '../errors';
import { type ConversationStore, type StatusChange, type StoredConversation } from '../store/conversationStore';
import { conversationFactsOf } from './conversationFacts';
import { classifyLifecycle, eventTimeOf, type LifecycleChange } from './conversationLifecycle';
import { conversationReferenceOf } from './conversationReference';
import { parseInboundActivity } from './inboundActivity';
import { checkReferenceFits } from './storableReference';

export interface ReceiveActivityDependencies {
  authenticator: InboundAuthenticator;
  store: ConversationStore;
  /** Exact hosts (config.trustedServiceUrlHosts). */
  trustedServiceUrlHosts: readonly string[];
  now: () => Date;
}

export interface InboundActivityRequest {
  authorization: string | null | undefined;
  /** Reads the body (bounded, JSON only); called only once the token is proven genuine. */
  readBody: () => Promise<string>;
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
 * What `/api/messages` does, in order: authenticate the header (401 before the body is read, so an anonymous
 * request costs no body reading or parsing), read and parse the body (413, 415, 400: not a Teams activity, or
 * one storage cannot hold), check the activity's serviceUrl against the token's claim (401), refuse an
 * untrusted serviceUrl (403; the token is genuine but the gateway would never send its own token there), then
 * store the reference and apply the lifecycle. Only storage calls; nothing slow.
 */
export async function receiveActivity(dependencies: ReceiveActivityDependencies, request: InboundActivityRequest): Promise<ReceivedActivity> {
  const { authenticator, store } = dependencies;
  const identity = await authenticator.authenticate(request.authorization);
  const activity = parseInboundActivity(await request.readBody());
  if (activity.serviceUrl !== identity.serviceUrl) {
    throw new GatewayError(errorCodes.Unauthorized, 'The token was issued for another serviceUrl than the activity names.');
  }
  const reference = conversationReferenceOf(activity);
  const tooLarge = checkReferenceFits(reference);
  if (tooLarge !== undefined) throw tooLarge;
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
    reference,
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

function hostOf(serviceUrl: string): string {
  try {
    return new URL(serviceUrl).host;
  } catch {
    return serviceUrl;
  }
}
