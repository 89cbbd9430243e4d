/* global document, NodeFilter */
import { el } from './elementBuilder.js';

const atPattern = /<at>([^<>]*)<\/at>/g;
const noEntityHint = 'No mention entity carries this <at> text, so Teams shows no mention';

/**
 * Text with each `<at>Name</at>` as Teams shows it: a highlighted mention when the emulator recorded an entity
 * Teams renders (`mentions`: the recorded mentions of this text or card), otherwise the plain name with the
 * reason as a hint. Built as elements and text nodes, never markup, so the tags never show raw.
 */
export function withMentions(text, mentions) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(atPattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(mentionElement(match[1], mentions.find((mention) => mention.text === match[0])));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** The same for what the Adaptive Cards renderer produced: each text node holding `<at>` is split in place. */
export function highlightMentionsIn(root, mentions) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) if (node.nodeValue.includes('<at>')) found.push(node);
  for (const node of found) node.replaceWith(...withMentions(node.nodeValue, mentions));
}

function mentionElement(label, recorded) {
  if (recorded?.rendered === true) {
    const who = [recorded.mentioned?.name, recorded.mentioned?.id].filter((part) => part !== undefined).join(' · ');
    return el('span', { class: 'mention', 'data-testid': 'mention', 'data-rendered': 'true', title: `Mention of ${who}` }, label);
  }
  return el('span', { class: 'mention-plain', 'data-testid': 'mention', 'data-rendered': 'false', title: recorded?.hint ?? noEntityHint }, label);
}
