import { type AdaptiveCard } from '../../../../shared/notifications/request/adaptiveCardValidation';
import { parseNotificationMessage } from '../../../../shared/notifications/request/notificationMessage';
import { buildOutboundActivity } from '../../../../shared/notifications/request/outboundActivityBuilder';
import { outboundActivitySchema } from '../../../../shared/queue/deliveryMessage';

const adele = { userId: '49C4641C-AB91-4248-AEBB-6A7DE286397B', name: 'Adele Vance' };
const alex = { userId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'Alex Wilber', text: 'Alex' };
const card: AdaptiveCard = {
  type: 'AdaptiveCard',
  version: '1.5',
  body: [{ type: 'TextBlock', text: 'On call: <at>Alex</at>', wrap: true }],
  msteams: { width: 'Full' },
};

function parsed(raw: unknown) {
  const result = parseNotificationMessage(raw, ['message']);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.message;
}

describe('message mentions', () => {
  it('become mention entities on a text message, naming the user by Entra object id', () => {
    const message = parsed({ text: 'Deploy failed, <at>Adele Vance</at> please look', mentions: [adele] });
    const activity = buildOutboundActivity(message, 'channel');

    expect(activity).toEqual({
      type: 'message',
      text: 'Deploy failed, <at>Adele Vance</at> please look',
      entities: [{ type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: '49c4641c-ab91-4248-aebb-6a7de286397b', name: 'Adele Vance' } }],
    });
    expect(outboundActivitySchema.safeParse(activity).success).toBe(true);
  });

  it('go into the card’s msteams.entities, keeping what msteams already holds, and onto the text where it shows them', () => {
    const message = parsed({ text: 'FYI <at>Adele Vance</at>', card, mentions: [adele, alex] });
    const activity = buildOutboundActivity(message, 'groupChat');

    expect(activity.entities).toEqual([{ type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: '49c4641c-ab91-4248-aebb-6a7de286397b', name: 'Adele Vance' } }]);
    expect(activity.attachments?.[0]?.content).toEqual({
      ...card,
      msteams: { width: 'Full', entities: [{ type: 'mention', text: '<at>Alex</at>', mentioned: { id: alex.userId, name: 'Alex Wilber' } }] },
    });
    // The stored message is left as given: the entities are built per copy.
    expect(message.card).toEqual(card);
  });

  it('are refused, naming the field, when their <at> text is nowhere in the message', () => {
    const result = parseNotificationMessage({ text: 'Hello Adele Vance', card, mentions: [adele, { ...alex, text: 'Alexander' }] }, ['message']);

    expect(result).toEqual({
      ok: false,
      issues: [
        { path: ['message', 'mentions', 0, 'name'], message: expect.stringContaining('<at>Adele Vance</at> appears neither') },
        { path: ['message', 'mentions', 1, 'text'], message: expect.stringContaining('<at>Alexander</at>') },
      ],
    });
  });

  it('need an Entra object id, a name without markup, and no other fields', () => {
    const result = parseNotificationMessage(
      { text: '<at>x</at>', mentions: [{ userId: '29:1abc', name: 'x' }, { userId: adele.userId, name: '<b>x</b>' }, { userId: adele.userId, name: 'x', id: 'y' }] },
      ['message'],
    );

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path.join('.'))).toEqual(['message.mentions.0.userId', 'message.mentions.1.name', 'message.mentions.2.id']);
    expect(parseNotificationMessage({ text: 'x', mentions: [] }, ['message'])).toMatchObject({ ok: false, issues: [{ path: ['message', 'mentions'] }] });
  });
});
