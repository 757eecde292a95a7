// What every tab's panel uses: a heading bar with a refresh button, and
// loading something with its failure shown in place.

import { h } from './dom.js';
import { problem } from './messages.js';

/** A section heading with buttons beside it. */
export function headingBar(title, ...buttons) {
  return h('div', { className: 'bar' }, h('h3', {}, title), ...buttons);
}

export function button(label, onclick, props = {}) {
  return h('button', { type: 'button', onclick: () => void onclick(), ...props }, label);
}

/**
 * Puts "Loading…" in `node` (unless `keep`: a refresh keeps what it shows
 * until the answer), runs `loader`, and returns its value; when it fails,
 * `node` shows the error (a policy denial in words) and undefined is returned.
 */
export async function loadInto(node, title, loader, { keep = false } = {}) {
  if (!keep) node.replaceChildren(h('p', { className: 'muted' }, 'Loading…'));
  try {
    const value = await loader();
    if (!keep) node.replaceChildren();
    return value;
  } catch (error) {
    node.replaceChildren(problem(title, error));
    return undefined;
  }
}
