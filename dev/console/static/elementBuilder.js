/* global document, Node */

/**
 * `el('span', { class: 'badge', 'data-testid': 'x', onclick: fn }, 'text', child)`: builds DOM without
 * innerHTML, so text from Teams or the gateway can never become markup. `null`, `undefined` and `false`
 * children are left out; arrays are flattened.
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `container` only when `data` differs from what it shows, so polling does not flicker or lose scroll. */
export function renderWhenChanged(container, data, render) {
  const key = JSON.stringify(data) ?? '';
  if (container.dataset.renderedKey === key) return false;
  container.dataset.renderedKey = key;
  container.replaceChildren(...[render(data)].flat().filter((child) => child !== undefined && child !== null));
  return true;
}
