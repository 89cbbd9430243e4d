/* global window */
import { processCardMarkdown } from './cardMarkdown.js';
import { el } from './elementBuilder.js';
import { highlightMentionsIn } from './mentionView.js';

export const adaptiveCardContentType = 'application/vnd.microsoft.card.adaptive';

/** Close to Teams' light theme, so a card looks here roughly as it will there. */
const teamsLikeHostConfig = {
  fontFamily: "'Segoe UI', system-ui, -apple-system, sans-serif",
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#7F85F5' },
        good: { default: '#237B4B', subtle: '#2E9E60' },
        warning: { default: '#835B00', subtle: '#A37200' },
        attention: { default: '#C4314B', subtle: '#D74A5F' },
      },
    },
    emphasis: { backgroundColor: '#F5F5F5', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
  },
  actions: { maxActions: 6, spacing: 'default', buttonSpacing: 8, showCard: { actionMode: 'inline' }, actionsOrientation: 'horizontal', actionAlignment: 'left' },
};

/**
 * One Adaptive Card rendered with the `adaptivecards` renderer (AdaptiveCard.parse + render), or a readable
 * fallback naming why it could not be. `onAction` gets a sentence saying what the action would do in Teams:
 * nothing is opened or posted from the console. `mentions` (the emulator's record for this card) turn the card's
 * `<at>Name</at>` texts into mentions as Teams shows them.
 */
export function adaptiveCardElement(content, onAction, mentions = []) {
  const AdaptiveCards = window.AdaptiveCards;
  if (AdaptiveCards === undefined) return cardFallback('The Adaptive Cards renderer did not load.', content);
  try {
    AdaptiveCards.AdaptiveCard.onProcessMarkdown = processCardMarkdown;
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = new AdaptiveCards.HostConfig(teamsLikeHostConfig);
    card.onExecuteAction = (action) => onAction(describeAction(action));
    const context = new AdaptiveCards.SerializationContext();
    card.parse(content, context);
    const rendered = card.render();
    if (rendered === undefined) return cardFallback('The renderer produced nothing for this card.', content);
    highlightMentionsIn(rendered, mentions);
    const warnings = [];
    for (let i = 0; i < context.eventCount; i++) warnings.push(context.getEventAt(i).message);
    return el(
      'div',
      { class: 'card-frame', 'data-testid': 'adaptive-card' },
      rendered,
      warnings.length > 0 ? el('p', { class: 'card-warnings small', title: warnings.join('\n') }, `renderer warnings: ${warnings.length} (hover to read)`) : null,
    );
  } catch (error) {
    return cardFallback(`The card could not be rendered: ${error instanceof Error ? error.message : String(error)}`, content);
  }
}

function describeAction(action) {
  const type = action.getJsonTypeName();
  if (type === 'Action.OpenUrl') return `“${action.title ?? ''}” would open ${action.url ?? '(no url)'}`;
  if (type === 'Action.Submit' || type === 'Action.Execute') {
    return `“${action.title ?? ''}” would send ${JSON.stringify(action.data ?? {})} to the bot (the emulator plays no card actions)`;
  }
  return `“${action.title ?? ''}” (${type})`;
}

function cardFallback(reason, content) {
  return el('div', { class: 'card-frame card-fallback', 'data-testid': 'adaptive-card-fallback' }, el('p', { class: 'error small' }, reason), el('pre', {}, JSON.stringify(content, null, 2)));
}
