import { createdChatTarget, targetOf, withTenant } from '../../../shared/sending/deliveryTarget';
import { botAccount, conversation, gccServiceUrl, serviceUrl, tenantId } from './sendingFakes';

describe('deliveryTarget', () => {
  it('takes every part of the target from the stored reference, with the bot account as the sender', () => {
    const stored = conversation('19:abc@thread.tacv2', { scope: 'channel' });
    expect(targetOf(stored)).toEqual({
      serviceUrl,
      conversation: stored.reference.conversation,
      bot: botAccount,
      user: stored.reference.user,
      channelId: 'msteams',
    });
  });

  it('prefers the message override, then the remembered override, then the reference serviceUrl', () => {
    const remembered = conversation('a:1', { serviceUrlOverride: gccServiceUrl });
    expect(targetOf(remembered).serviceUrl).toBe(gccServiceUrl);
    expect(targetOf(conversation('a:1'), 'https://smba.trafficmanager.net/emea/').serviceUrl).toBe('https://smba.trafficmanager.net/emea/');
  });

  it('omits the recipient when the reference has no user', () => {
    const stored = conversation('a:1');
    delete stored.reference.user;
    expect(targetOf(stored)).not.toHaveProperty('user');
  });

  it('addresses a created chat with the tenant reference bot and serviceUrl', () => {
    expect(createdChatTarget(conversation('19:general'), { conversationId: 'a:new', tenantId, type: 'personal' })).toEqual({
      serviceUrl,
      conversation: { id: 'a:new', tenantId, conversationType: 'personal' },
      bot: botAccount,
      channelId: 'msteams',
    });
  });

  it('addresses a channel of the team by its id with the reference of another channel', () => {
    expect(createdChatTarget(conversation('19:other@thread.tacv2'), { conversationId: '19:general', tenantId, type: 'channel' })).toEqual({
      serviceUrl,
      conversation: { id: '19:general', tenantId, conversationType: 'channel', isGroup: true },
      bot: botAccount,
      channelId: 'msteams',
    });
  });

  it('adds the tenant to channelData and keeps what the activity had there', () => {
    expect(withTenant({ type: 'message', text: 'x', channelData: { notification: { alert: true } } }, tenantId)).toEqual({
      type: 'message',
      text: 'x',
      channelData: { notification: { alert: true }, tenant: { id: tenantId } },
    });
    const activity = { type: 'message' as const, text: 'x' };
    expect(withTenant(activity, undefined)).toBe(activity);
  });
});
