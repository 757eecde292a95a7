// Error and notice banners. API errors show their __type, code and message
// (plus HTTP status, tip and request id): nothing is swallowed.

import { byId, h } from './dom.js';

const slots = new Map();

/** Shows (or replaces) the error of one slot, e.g. 'refresh', 'details', 'action'. */
export function reportError(slot, title, error) {
  clearError(slot);
  const lines = [];
  if (error && typeof error === 'object' && 'type' in error) {
    lines.push(h('div', {}, h('strong', {}, '__type: '), h('code', {}, String(error.type ?? ''))));
    lines.push(h('div', {}, h('strong', {}, 'code: '), h('code', {}, String(error.code ?? ''))));
    lines.push(h('div', {}, h('strong', {}, 'message: '), String(error.message ?? '')));
    if (error.tip) lines.push(h('div', { className: 'muted' }, `tip: ${error.tip}`));
    const meta = [error.status ? `HTTP ${error.status}` : '', error.requestId ? `request id ${error.requestId}` : ''].filter(Boolean);
    if (meta.length > 0) lines.push(h('div', { className: 'muted' }, meta.join(' · ')));
  } else {
    lines.push(h('div', {}, String(error?.message ?? error)));
  }
  const node = h(
    'div',
    { className: 'message error' },
    h('div', { className: 'bar' }, h('strong', {}, title), h('button', { type: 'button', onclick: () => clearError(slot) }, 'Dismiss')),
    lines,
  );
  slots.set(slot, node);
  byId('errors').append(node);
}

export function clearError(slot) {
  slots.get(slot)?.remove();
  slots.delete(slot);
}

export function clearAllErrors() {
  for (const slot of [...slots.keys()]) clearError(slot);
}

/** A short success notice that goes away after a while. */
export function notify(text) {
  const node = h('div', { className: 'message notice' }, text);
  byId('notices').append(node);
  setTimeout(() => node.remove(), 8000);
}
