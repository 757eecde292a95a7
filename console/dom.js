// DOM helpers: every value is set as text or as a property, never parsed as HTML.

/**
 * h('td', { className: 'x', title: 'y' }, 'text', childNode, ...)
 * Props are assigned as properties (textContent-safe); `dataset` and `on<event>` are handled.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node[name] = value;
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The console page has no #${id}`);
  return node;
}

/** Epoch seconds (AWS JSON 1.1 timestamps) → "2026-01-02 03:04:05 UTC". */
export function formatTime(epochSeconds) {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return '—';
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A table with a header row and one row per item; columns: [label, item => value or Node]. */
export function table(columns, items, emptyText) {
  if (items.length === 0) return h('p', { className: 'muted' }, emptyText);
  return scroller(h(
    'table',
    {},
    h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, items.map((item) => h('tr', {}, columns.map(([, value]) => h('td', {}, cell(value(item))))))),
  ));
}

function cell(value) {
  if (value instanceof Node) return value;
  return value === undefined || value === null || value === '' ? '—' : String(value);
}

/** Quotes one shell word with single quotes unless it is plainly safe. */
export function shellWord(value) {
  const text = String(value);
  return /^[A-Za-z0-9_.:\/=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (set as attributes: no style, nothing parsed). */
export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

/** A horizontally scrolling frame, so that wide tables never widen the page (phones). */
export function scroller(...children) {
  return h('div', { className: 'scroll', tabIndex: 0 }, ...children);
}

/** A definition list of [label, value] rows. */
export function summaryList(rows) {
  return h('dl', { className: 'summary' }, rows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));
}

/** Bytes → "12.3 MiB". */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${bytes < 0 ? '-' : ''}${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
