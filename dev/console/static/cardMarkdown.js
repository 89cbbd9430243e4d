const htmlEscapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (character) => htmlEscapes[character]);
}

/** Bold, italic and http(s) links inside one line of already-escaped text. */
function inline(escaped) {
  return escaped
    .replace(/\*\*(\S(?:.*?\S)?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_(\S(?:.*?\S)?)_(?=$|[\s).,;:!?])/g, '$1<em>$2</em>')
    .replace(/(^|[\s(])\*(\S(?:.*?\S)?)\*(?=$|[\s).,;:!?])/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
}

/**
 * The Markdown subset Teams renders in a TextBlock (bold, italic, links, bulleted and numbered lists), for the
 * renderer's `onProcessMarkdown` hook. The text is HTML-escaped first, so nothing but these becomes markup.
 */
export function processCardMarkdown(text, result) {
  const blocks = [];
  let list;
  for (const line of escapeHtml(text).split('\n')) {
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+\.\s+(.*)$/.exec(line);
    const kind = bullet !== null ? 'ul' : numbered !== null ? 'ol' : undefined;
    if (kind === undefined) {
      list = undefined;
      blocks.push({ kind: 'line', html: inline(line) });
    } else {
      if (list === undefined || list.kind !== kind) {
        list = { kind, items: [] };
        blocks.push(list);
      }
      list.items.push(inline((bullet ?? numbered)[1]));
    }
  }
  // Consecutive lines are separated by a break; lists are blocks of their own.
  const html = blocks.map((block, index) =>
    block.kind === 'line'
      ? `${index > 0 && blocks[index - 1].kind === 'line' ? '<br>' : ''}${block.html}`
      : `<${block.kind}>${block.items.map((item) => `<li>${item}</li>`).join('')}</${block.kind}>`,
  );
  result.outputHtml = html.join('');
  result.didProcess = true;
}
