import { type DeliveryRig, newTenantId, type PostedCopy, uniqueText, useDeliveryRig } from '../sending/deliveryRig';

/**
 * @mentions end to end: a notification with mentions through the gateway to a channel, a group chat and a
 * personal chat; what Teams receives (the mention entities) and what the emulator records of them (whether
 * Teams would render each: the user must be known to the tenant or named by UPN, and personal chats ignore
 * mentions).
 */
let rig: DeliveryRig;
useDeliveryRig({ maxAttempts: 2 }, (started) => (rig = started));

const adele = { userId: '49c4641c-ab91-4248-aebb-6a7de286397b', name: 'Adele Vance' };
/** A well-formed Entra object id no user of the tenant has. */
const stranger = { userId: '0b7e1f4c-9d2a-4c3b-8e5f-6a7b8c9d0e1f', name: 'Nobody Known' };

async function installed(body: Record<string, unknown>): Promise<string> {
  const answer = (await rig.control('POST', '/conversations', body)) as { conversationId: string; gateway: { status: number }[] };
  expect(answer.gateway.map((g) => g.status)).toEqual([200, 200]);
  return answer.conversationId;
}

async function onlyCopy(conversationId: string): Promise<PostedCopy> {
  const copies = await rig.copies(conversationId);
  expect(copies).toHaveLength(1);
  return copies[0]!;
}

describe('a notification with mentions', () => {
  it('reaches Teams as mention entities, and the emulator records which Teams renders: in a channel, a group chat, not in a personal chat', async () => {
    const tenantId = newTenantId();
    const adeleUser = { aadObjectId: adele.userId, name: adele.name };
    const channel = await installed({ type: 'channel', tenantId, user: adeleUser, teamName: 'Payments' });
    const groupChat = await installed({ type: 'groupChat', tenantId, user: { name: 'Megan Bowen' }, members: [adeleUser] });
    const personal = await installed({ type: 'personal', tenantId, user: adeleUser });
    const text = `${uniqueText('Error rate above 5%')}: <at>Adele Vance</at>, <at>Nobody Known</at> please look`;

    const accepted = await rig.notify({
      targets: [{ conversationId: channel }, { conversationId: groupChat }, { conversationId: personal }],
      message: { text, mentions: [adele, stranger] },
    });
    expect(accepted.status).toBe(202);
    await rig.settle();

    const entities = [
      { type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: adele.userId, name: adele.name } },
      { type: 'mention', text: '<at>Nobody Known</at>', mentioned: { id: stranger.userId, name: stranger.name } },
    ];
    for (const conversationId of [channel, groupChat]) {
      const copy = await onlyCopy(conversationId);
      expect(copy.activity).toMatchObject({ text, entities });
      expect(copy.mentions).toEqual([
        { in: 'text', text: '<at>Adele Vance</at>', mentioned: { id: adele.userId, name: adele.name }, rendered: true },
        { in: 'text', text: '<at>Nobody Known</at>', mentioned: { id: stranger.userId, name: stranger.name }, rendered: false, reason: 'unknownUser', hint: expect.any(String) },
      ]);
    }
    // Teams accepts mentions in a personal chat and shows them as plain text.
    const personalCopy = await onlyCopy(personal);
    expect(personalCopy.activity).toMatchObject({ text, entities });
    expect(personalCopy.mentions.map((m) => [m.rendered, m.reason])).toEqual([
      [false, 'personalChat'],
      [false, 'personalChat'],
    ]);
  });

  it('in a card: the card carries the entity in msteams.entities, recorded against the card’s text; an update records again', async () => {
    const tenantId = newTenantId();
    const channel = await installed({ type: 'channel', tenantId, user: { aadObjectId: adele.userId, name: adele.name } });
    const card = (line: string) => ({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: line }] });

    const accepted = await rig.notify({ targets: [{ conversationId: channel }], message: { card: card('On call: <at>Adele</at>'), mentions: [{ ...adele, text: 'Adele' }] } });
    await rig.settle();
    const sent = await onlyCopy(channel);
    expect(sent.activity.attachments[0].content.msteams).toEqual({ entities: [{ type: 'mention', text: '<at>Adele</at>', mentioned: { id: adele.userId, name: adele.name } }] });
    expect(sent.mentions).toEqual([{ in: 'card', attachment: 0, text: '<at>Adele</at>', mentioned: { id: adele.userId, name: adele.name }, rendered: true }]);

    // The update mentions her by name in text; the card's record is replaced by the new payload's.
    expect((await rig.patch(accepted.body.id as string, { message: { text: 'Resolved, thanks <at>Adele Vance</at>', mentions: [adele] } })).status).toBe(202);
    await rig.settle();
    const updated = await onlyCopy(channel);
    expect(updated.updateCount).toBe(1);
    expect(updated.mentions).toEqual([{ in: 'text', text: '<at>Adele Vance</at>', mentioned: { id: adele.userId, name: adele.name }, rendered: true }]);
  });
});
