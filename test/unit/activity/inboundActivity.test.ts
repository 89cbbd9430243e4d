import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { conversationReferenceOf } from '../../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import { errorCodes, GatewayError } from '../../../shared/errors';
import { activityIn, botAccount, events, groupChat, personalChat, teamChannel } from './teamsActivityFixtures';

function parseError(body: string): GatewayError {
  try {
    parseInboundActivity(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('inbound activity parsing', () => {
  it('parses a Teams installationUpdate and keeps fields it does not type', () => {
    const activity = parseInboundActivity(JSON.stringify(events.install(personalChat())));
    expect(activity.type).toBe('installationUpdate');
    expect(activity.action).toBe('add');
    expect(activity.entities).toEqual([expect.objectContaining({ type: 'clientInfo' })]);
  });

  it.each([
    ['not JSON', '{', ''],
    ['a JSON array', '[]', ''],
    ['a JSON string', '"activity"', ''],
    ['no type', JSON.stringify({ ...events.message(personalChat()), type: undefined }), 'type'],
    ['no serviceUrl', JSON.stringify({ ...events.message(personalChat()), serviceUrl: undefined }), 'serviceUrl'],
    ['a relative serviceUrl', JSON.stringify({ ...events.message(personalChat()), serviceUrl: '/amer/' }), 'serviceUrl'],
    ['no conversation id', JSON.stringify({ ...events.message(personalChat()), conversation: { conversationType: 'personal' } }), 'conversation.id'],
    ['no recipient', JSON.stringify({ ...events.message(personalChat()), recipient: undefined }), 'recipient'],
    ['a numeric channelId', JSON.stringify({ ...events.message(personalChat()), channelId: 7 }), 'channelId'],
    ['no tenant anywhere', JSON.stringify({ ...events.message(personalChat()), conversation: { id: 'a:1', conversationType: 'personal' }, channelData: {} }), 'channelData.tenant.id'],
    ['a conversation id past the key limit', JSON.stringify({ ...events.message(personalChat()), conversation: { id: `a:${'x'.repeat(700)}`, tenantId: 't' } }), 'conversation.id'],
    ['nesting deeper than 64 levels', JSON.stringify({ ...events.message(personalChat()), conversation: { id: 'a:1', tenantId: 't', x: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) as unknown } }), `conversation.x${'[0]'.repeat(62)}`],
    ['a webchat activity', JSON.stringify({ ...events.message(personalChat()), channelId: 'webchat' }), 'channelId'],
    ['a conversation id with a line separator', JSON.stringify({ ...events.message(personalChat()), conversation: { id: 'a:1\u2028x', tenantId: 't' } }), 'conversation.id'],
    ['a 5,000-character tenant id', JSON.stringify({ ...events.message(personalChat()), conversation: { id: 'a:1', tenantId: 't'.repeat(5_000) } }), 'conversation.tenantId'],
    ['a conversation id with a lone surrogate', JSON.stringify({ ...events.message(personalChat()), conversation: { id: 'a:\ud800', tenantId: 't' } }), 'conversation.id'],
  ])('refuses %s with BAD_REQUEST naming the field', (_case, body, path) => {
    const error = parseError(body);
    expect(error.code).toBe(errorCodes.BadRequest);
    if (path !== '') expect(error.details.map((d) => d.path)).toContain(path);
  });
});

describe('conversation reference', () => {
  it('is copied from the activity: bot = recipient (28:<appId>), user = from, serviceUrl and channelId as sent', () => {
    const place = personalChat();
    const json = events.message(place);
    const activity = parseInboundActivity(JSON.stringify(json));
    const reference = conversationReferenceOf(activity);
    expect(reference).toEqual({
      activityId: json.id,
      bot: botAccount,
      user: place.user,
      conversation: json.conversation,
      channelId: 'msteams',
      serviceUrl: json.serviceUrl,
      locale: 'en-US',
    });
  });

  it('does not share objects with the activity', () => {
    const activity = parseInboundActivity(JSON.stringify(events.message(personalChat())));
    const reference = conversationReferenceOf(activity);
    activity.recipient.id = 'changed';
    expect(reference.bot.id).toBe(botAccount.id);
  });
});

describe('conversation facts', () => {
  it('personal: the user is indexed by Entra object id', () => {
    const place = personalChat();
    const facts = conversationFactsOf(parseInboundActivity(JSON.stringify(events.install(place))));
    expect(facts).toEqual({ conversationId: place.conversationId, tenantId: place.tenantId, scope: 'personal', isThread: false, userAadObjectId: place.user.aadObjectId });
  });

  it('group chat: no user index', () => {
    const facts = conversationFactsOf(parseInboundActivity(JSON.stringify(events.install(groupChat()))));
    expect(facts.scope).toBe('groupChat');
    expect(facts.userAadObjectId).toBeUndefined();
  });

  it('channel: team from channelData, channel from the conversation id, threads marked', () => {
    const place = teamChannel();
    const general = conversationFactsOf(parseInboundActivity(JSON.stringify(events.install(place))));
    expect(general).toMatchObject({ scope: 'channel', teamId: place.teamId, teamsChannelId: place.teamId, isThread: false });
    const thread = conversationFactsOf(parseInboundActivity(JSON.stringify(events.message({ ...place, conversationId: `${place.teamId};messageid=1700000000000` }))));
    expect(thread).toMatchObject({ teamId: place.teamId, teamsChannelId: place.teamId, isThread: true });
  });

  it('infers the scope when conversationType is missing', () => {
    const place = teamChannel();
    const json = activityIn(place, 'message');
    json.conversation = { id: place.conversationId, isGroup: true, tenantId: place.tenantId };
    expect(conversationFactsOf(parseInboundActivity(JSON.stringify(json))).scope).toBe('channel');
    const chat = activityIn(groupChat(), 'message');
    chat.conversation = { id: '19:x@thread.v2', isGroup: true, tenantId: 't' };
    expect(conversationFactsOf(parseInboundActivity(JSON.stringify(chat))).scope).toBe('groupChat');
  });
});
