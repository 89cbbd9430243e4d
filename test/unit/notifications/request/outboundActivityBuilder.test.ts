import { adaptiveCardContentType } from '../../../../shared/notifications/request/adaptiveCardValidation';
import { type NotificationMessage } from '../../../../shared/notifications/request/notificationMessage';
import { buildOutboundActivity } from '../../../../shared/notifications/request/outboundActivityBuilder';
import { outboundActivitySchema } from '../../../../shared/queue/deliveryMessage';
import { validCard } from '../notificationFixtures';

describe('buildOutboundActivity', () => {
  const card = validCard() as NotificationMessage['card'];
  const withActions: NotificationMessage = { text: 'Pick', textFormat: 'plain', summary: 'Pick one', suggestedActions: [{ type: 'imBack', title: 'A', value: 'a' }] };

  it('builds a text message with only the fields the message has', () => {
    expect(buildOutboundActivity({ text: 'hi' }, 'channel')).toEqual({ type: 'message', text: 'hi' });
    expect(Object.keys(buildOutboundActivity({ text: 'hi' }, 'channel'))).toEqual(['type', 'text']);
  });

  it('attaches the card as an Adaptive Card attachment, as given', () => {
    const activity = buildOutboundActivity({ text: 'see card', textFormat: 'markdown', summary: 'Deploy', card }, 'groupChat');
    expect(activity).toEqual({
      type: 'message',
      text: 'see card',
      textFormat: 'markdown',
      summary: 'Deploy',
      attachments: [{ contentType: adaptiveCardContentType, content: card }],
    });
    expect(adaptiveCardContentType).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('adds suggested actions in a personal chat', () => {
    expect(buildOutboundActivity(withActions, 'personal')).toEqual({
      type: 'message',
      text: 'Pick',
      textFormat: 'plain',
      summary: 'Pick one',
      suggestedActions: { actions: [{ type: 'imBack', title: 'A', value: 'a' }] },
    });
  });

  it.each(['groupChat', 'channel'] as const)('leaves suggested actions out in a %s', (type) => {
    const activity = buildOutboundActivity(withActions, type);
    expect(activity).not.toHaveProperty('suggestedActions');
    expect(activity.text).toBe('Pick');
  });

  it.each(['personal', 'groupChat', 'channel'] as const)('builds what the queue schema accepts (%s)', (type) => {
    expect(outboundActivitySchema.safeParse(buildOutboundActivity(withActions, type)).success).toBe(true);
    expect(outboundActivitySchema.safeParse(buildOutboundActivity({ card }, type)).success).toBe(true);
  });
});
