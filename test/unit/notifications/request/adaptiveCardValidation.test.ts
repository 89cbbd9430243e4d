import { isAdaptiveCard, teamsAdaptiveCardVersions, validateAdaptiveCard } from '../../../../shared/notifications/request/adaptiveCardValidation';
import { formatJsonPath } from '../../../../shared/notifications/request/jsonPath';

const problems = (card: unknown) => validateAdaptiveCard(card, ['card']).map((issue) => ({ path: formatJsonPath(issue.path), message: issue.message }));
const card = (extra: Record<string, unknown>) => ({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'x' }], ...extra });

describe('validateAdaptiveCard', () => {
  it.each(teamsAdaptiveCardVersions)('accepts version %s', (version) => {
    expect(problems(card({ version }))).toEqual([]);
  });

  it('accepts a rich card: containers, columns, tables, inputs, nested ShowCard, Teams properties', () => {
    const rich = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.5',
      msteams: { width: 'Full' },
      fallbackText: 'Deploy finished',
      body: [
        { type: 'Container', style: 'emphasis', items: [{ type: 'TextBlock', text: 'Hi', unknownProp: true }], selectAction: { type: 'Action.Submit', data: { a: 1 } } },
        { type: 'ColumnSet', columns: [{ type: 'Column', width: 'auto', items: [{ type: 'Image', url: 'https://x/y.png' }] }, { width: 'stretch', items: [] }] },
        { type: 'FactSet', facts: [{ title: 'Env', value: 'prod' }] },
        { type: 'ImageSet', images: [{ type: 'Image', url: 'https://x/1.png' }, { url: 'https://x/2.png' }] },
        { type: 'Table', columns: [{ width: 1 }], rows: [{ type: 'TableRow', cells: [{ type: 'TableCell', items: [{ type: 'TextBlock', text: 'c' }] }] }] },
        { type: 'ActionSet', actions: [{ type: 'Action.Execute', verb: 'approve', title: 'Approve' }] },
        { type: 'Input.ChoiceSet', id: 'pick', choices: [{ title: 'A', value: 'a' }] },
        { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'run' }] },
        { type: 'Chart.Pie', fallback: 'drop' },
      ],
      actions: [
        { type: 'Action.ShowCard', title: 'More', card: { type: 'AdaptiveCard', body: [{ type: 'Input.Text', id: 'c' }], actions: [{ type: 'Action.Submit', title: 'OK' }] } },
        { type: 'Action.ToggleVisibility', title: 'T', targetElements: ['pick'] },
        { type: 'Action.OpenUrl', title: 'Open', url: 'https://example.com' },
      ],
    };
    expect(problems(rich)).toEqual([]);
    expect(isAdaptiveCard(rich)).toBe(true);
  });

  it('accepts a card with only actions', () => {
    expect(problems({ type: 'AdaptiveCard', version: '1.4', actions: [{ type: 'Action.OpenUrl', url: 'https://x' }] })).toEqual([]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a string', 'card', 'card', /must be an object with "type": "AdaptiveCard"/],
    ['an array', [], 'card', /must be an object/],
    ['a wrong type', card({ type: 'HeroCard' }), 'card.type', /Must be "AdaptiveCard", not "HeroCard"/],
    ['a missing type', { version: '1.5', body: [{ type: 'TextBlock', text: 'x' }] }, 'card.type', /^Must be "AdaptiveCard"$/],
    ['a missing version', { type: 'AdaptiveCard', body: [{ type: 'TextBlock' }] }, 'card.version', /Required: the card's schema version/],
    ['a numeric version', card({ version: 1.5 }), 'card.version', /Must be a string such as "1.5", not 1.5/],
    ['version 1.6', card({ version: '1.6' }), 'card.version', /Unsupported version "1.6"; Teams renders versions 1.0–1.5/],
    ['version 2.0', card({ version: '2.0' }), 'card.version', /Unsupported version/],
    ['a misspelt top-level property', card({ bdoy: [] }), 'card.bdoy', /Unknown Adaptive Card property "bdoy"/],
    ['a non-string $schema', card({ $schema: 1 }), 'card.$schema', /Must be a string/],
    ['body not an array', card({ body: { type: 'TextBlock' } }), 'card.body', /Must be an array of card elements/],
    ['an empty card', { type: 'AdaptiveCard', version: '1.5', body: [] }, 'card.body', /The card shows nothing/],
    ['actions not an array', card({ actions: {} }), 'card.actions', /Must be an array of actions/],
    ['an element that is not an object', card({ body: ['text'] }), 'card.body[0]', /must be an object with a "type"/],
    ['an element without type', card({ body: [{ text: 'x' }] }), 'card.body[0].type', /Required: the element type/],
    ['an unknown element type', card({ body: [{ type: 'Textblock', text: 'x' }] }), 'card.body[0].type', /"Textblock" is not an Adaptive Card 1.5 element type.*fallback/],
    ['a Media element', card({ body: [{ type: 'Media', sources: [] }] }), 'card.body[0].type', /Teams does not render Media elements/],
    ['a Container without items', card({ body: [{ type: 'Container' }] }), 'card.body[0].items', /Required: an array of elements/],
    ['a bad element deep inside', card({ body: [{ type: 'Container', items: [{ type: 'ColumnSet', columns: [{ items: [{ type: 'Nope' }] }] }] }] }), 'card.body[0].items[0].columns[0].items[0].type', /"Nope" is not/],
    ['a column of the wrong type', card({ body: [{ type: 'ColumnSet', columns: [{ type: 'Container', items: [] }] }] }), 'card.body[0].columns[0].type', /Must be "Column"/],
    ['a table row that is not an object', card({ body: [{ type: 'Table', rows: [1] }] }), 'card.body[0].rows[0]', /must be an object with "cells"/],
    ['a table cell with a bad item', card({ body: [{ type: 'Table', rows: [{ cells: [{ items: [{}] }] }] }] }), 'card.body[0].rows[0].cells[0].items[0].type', /Required: the element type/],
    ['an ImageSet holding text', card({ body: [{ type: 'ImageSet', images: [{ type: 'TextBlock' }] }] }), 'card.body[0].images[0].type', /Must be "Image" here/],
    ['an ActionSet without actions', card({ body: [{ type: 'ActionSet' }] }), 'card.body[0].actions', /Required: an array of actions/],
    ['an unknown action', card({ actions: [{ type: 'Action.Http', url: 'x' }] }), 'card.actions[0].type', /Unknown action type "Action.Http"/],
    ['an action without type', card({ actions: [{ title: 'x' }] }), 'card.actions[0].type', /Required: the action type, one of Action.OpenUrl/],
    ['an OpenUrl without url', card({ actions: [{ type: 'Action.OpenUrl', title: 'x' }] }), 'card.actions[0].url', /Required: the URL/],
    ['a ShowCard without card', card({ actions: [{ type: 'Action.ShowCard', title: 'x' }] }), 'card.actions[0].card', /Required: the card to show/],
    ['a ShowCard whose card is broken', card({ actions: [{ type: 'Action.ShowCard', card: { type: 'AdaptiveCard', body: [{ type: 'X' }] } }] }), 'card.actions[0].card.body[0].type', /"X" is not/],
    ['a ToggleVisibility without targets', card({ actions: [{ type: 'Action.ToggleVisibility' }] }), 'card.actions[0].targetElements', /Required: an array of element ids/],
    ['a bad selectAction', card({ body: [{ type: 'TextBlock', text: 'x', selectAction: { type: 'imBack' } }] }), 'card.body[0].selectAction.type', /Unknown action type "imBack"/],
  ])('rejects %s at %s', (_name, raw, path, message) => {
    expect(problems(raw)).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(isAdaptiveCard(raw)).toBe(false);
  });

  it('reports every bad element, not only the first', () => {
    expect(problems(card({ body: [{ type: 'A' }, { type: 'TextBlock' }, { type: 'B' }] })).map((p) => p.path)).toEqual(['card.body[0].type', 'card.body[2].type']);
  });
});
