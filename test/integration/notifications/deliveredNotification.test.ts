import { type DeliveryRig, newTenantId, uniqueText, useDeliveryRig } from '../sending/deliveryRig';

/**
 * What a producer sees once the send path has run, against the Teams emulator: the notification's final status,
 * a deleted copy reading `deleted`, and @mentions as Teams receives them (the emulator keeps each activity whole).
 */
let rig: DeliveryRig;
useDeliveryRig({ maxAttempts: 2 }, (started) => (rig = started));

const adele = { userId: '49c4641c-ab91-4248-aebb-6a7de286397b', name: 'Adele Vance' };

describe('a delivered notification', () => {
  it('ends completed, then reads deleted copy by copy at the revision it was deleted at', async () => {
    const tenantId = newTenantId();
    const [one, two] = [await rig.install({ tenantId, type: 'groupChat' }), await rig.install({ tenantId })];
    const accepted = await rig.notify({ targets: [{ conversationId: one.conversationId }, { conversationId: two.conversationId }], message: { text: uniqueText('v1') } });
    const id = accepted.body.id as string;
    await rig.settle();
    expect((await rig.status(id)).body).toMatchObject({ status: 'completed', counts: { queued: 0, sent: 2, failed: 0, skipped: 0, deleted: 0 } });

    await rig.patch(id, { message: { text: uniqueText('v2') } });
    await rig.settle();
    expect((await rig.status(id)).body).toMatchObject({ status: 'completed', revision: 1 });
    expect((await rig.remove(id)).status).toBe(202);
    await rig.settle();

    const status = (await rig.status(id)).body;
    expect(status).toMatchObject({ status: 'deleted', revision: 1, counts: { queued: 0, sent: 0, deleted: 2 } });
    for (const delivery of status.deliveries) expect(delivery).toMatchObject({ status: 'deleted', lastOperation: { operation: 'delete', revision: 1, status: 'sent' } });
    expect((await rig.copies(one.conversationId)).map((copy) => copy.deleted)).toEqual([true]);
  });

  it('ends failed when no copy could be sent (a blocked chat)', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId, type: 'groupChat' });
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/block`);
    const accepted = await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { text: uniqueText('lost') } });
    await rig.settle();

    expect((await rig.status(accepted.body.id as string)).body).toMatchObject({ status: 'failed', counts: { queued: 0, sent: 0, failed: 1 } });
  });

  it('delivers @mentions as Teams mention entities naming the user by Entra object id, in text and in a card', async () => {
    const chat = await rig.install({ tenantId: newTenantId(), type: 'channel' });
    const text = `${uniqueText('Error rate above 5%')}: <at>Adele Vance</at> please look`;
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'On call: <at>Adele</at>' }] };

    await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { text, mentions: [adele] } });
    await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { card, mentions: [{ ...adele, text: 'Adele' }] } });
    await rig.settle();

    const [textCopy, cardCopy] = await rig.copies(chat.conversationId);
    expect(textCopy?.activity).toMatchObject({ text, entities: expect.arrayContaining([{ type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: adele.userId, name: adele.name } }]) });
    expect(cardCopy?.activity.attachments[0].content).toMatchObject({ ...card, msteams: { entities: [{ type: 'mention', text: '<at>Adele</at>', mentioned: { id: adele.userId, name: adele.name } }] } });
  });
});
