import { type MentionAudience, recordedMentions } from '../../../dev/teamsEmulator/recordedMentions';
import { TeamsState } from '../../../dev/teamsEmulator/teamsState';

const tenantId = 'tenant-1';
const adeleAad = '49c4641c-ab91-4248-aebb-6a7de286397b';
const cardType = 'application/vnd.microsoft.card.adaptive';

function audience(conversationType: MentionAudience['conversationType'], state: TeamsState): MentionAudience {
  return { conversationType, isKnownUser: (id) => state.isKnownUser(tenantId, id) };
}

const mention = (text: string, id: string | undefined, name = 'Adele Vance'): Record<string, unknown> => ({
  type: 'mention',
  text,
  mentioned: id === undefined ? { name } : { id, name },
});

describe('recordedMentions', () => {
  const state = new TeamsState();
  const adele = state.user(tenantId, adeleAad, 'Adele Vance');

  it('renders a mention whose <at> text is in the message and whose id is a known user, by Entra object id or 29: id', () => {
    const activity = {
      type: 'message',
      text: 'On call: <at>Adele Vance</at> and <at>Adele</at>',
      entities: [mention('<at>Adele Vance</at>', adeleAad.toUpperCase()), mention('<at>Adele</at>', adele.id), { type: 'clientInfo', locale: 'en-US' }],
    };
    expect(recordedMentions(activity, audience('channel', state))).toEqual([
      { in: 'text', text: '<at>Adele Vance</at>', mentioned: { id: adeleAad.toUpperCase(), name: 'Adele Vance' }, rendered: true },
      { in: 'text', text: '<at>Adele</at>', mentioned: { id: adele.id, name: 'Adele Vance' }, rendered: true },
    ]);
  });

  it('renders a well-formed UPN the emulator does not know, and names why others are not rendered', () => {
    const activity = {
      type: 'message',
      text: '<at>Megan</at> <at>Nobody</at> <at>Alex</at>',
      entities: [
        mention('<at>Megan</at>', 'megan.bowen@contoso.example'),
        mention('<at>Nobody</at>', '0b7e1f4c-9d2a-4c3b-8e5f-6a7b8c9d0e1f'),
        mention('<at>Alex</at>', undefined),
        mention('<at>Missing</at>', adeleAad),
        mention('Adele', adeleAad),
      ],
    };
    const recorded = recordedMentions(activity, audience('groupChat', state));
    expect(recorded.map((m) => [m.text, m.rendered, m.reason])).toEqual([
      ['<at>Megan</at>', true, undefined],
      ['<at>Nobody</at>', false, 'unknownUser'],
      ['<at>Alex</at>', false, 'unknownUser'],
      ['<at>Missing</at>', false, 'textNotShown'],
      ['Adele', false, 'invalidText'],
    ]);
    for (const unrendered of recorded.filter((m) => !m.rendered)) expect(unrendered.hint).toEqual(expect.any(String));
  });

  it('records mentions in a personal chat as not rendered: Teams ignores them there', () => {
    const activity = { type: 'message', text: '<at>Adele Vance</at>', entities: [mention('<at>Adele Vance</at>', adeleAad)] };
    expect(recordedMentions(activity, audience('personal', state))).toEqual([
      expect.objectContaining({ rendered: false, reason: 'personalChat', hint: expect.stringContaining('personal chat') }),
    ]);
  });

  it('reads an Adaptive Card’s msteams.entities against the card’s own text, not against the entities', () => {
    const card = (body: unknown[]) => ({
      type: 'AdaptiveCard',
      version: '1.5',
      body,
      msteams: { entities: [mention('<at>Adele</at>', adeleAad)] },
    });
    const activity = {
      type: 'message',
      attachments: [
        { contentType: 'text/plain', content: '<at>Adele</at>' },
        { contentType: cardType, content: card([{ type: 'FactSet', facts: [{ title: 'On call', value: '<at>Adele</at>' }] }]) },
        { contentType: cardType, content: card([{ type: 'TextBlock', text: 'Nobody named' }]) },
      ],
    };
    expect(recordedMentions(activity, audience('channel', state))).toEqual([
      { in: 'card', attachment: 1, text: '<at>Adele</at>', mentioned: { id: adeleAad, name: 'Adele Vance' }, rendered: true },
      expect.objectContaining({ in: 'card', attachment: 2, rendered: false, reason: 'textNotShown' }),
    ]);
  });

  it('records nothing for a message without mention entities, and tolerates malformed ones', () => {
    expect(recordedMentions({ type: 'message', text: '<at>Adele</at>' }, audience('channel', state))).toEqual([]);
    expect(recordedMentions({ type: 'message', text: 'x', entities: 'nope', attachments: [null, { contentType: cardType }] }, audience('channel', state))).toEqual([]);
    expect(recordedMentions({ type: 'message', text: 'x', entities: [{ type: 'mention' }] }, audience('channel', state))).toEqual([
      { in: 'text', text: '', mentioned: {}, rendered: false, reason: 'invalidText', hint: expect.any(String) },
    ]);
  });
});
