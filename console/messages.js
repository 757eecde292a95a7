// Error and notice banners. API errors show their __type, code and message
// (plus HTTP status, tip and request id): nothing is swallowed. A refusal by
// the user's access policy says so in words, not only in its code.

import { byId, h } from './dom.js';

const slots = new Map();

/** Was the call refused by the caller's access policy (not by a bad signature)? */
export function isDenied(error) {
  return Boolean(error && error.type === 'AccessDeniedException' && error.code === 'AccessDenied');
}

function errorLines(error) {
  if (!(error && typeof error === 'object' && 'type' in error)) return [h('div', {}, String(error?.message ?? error))];
  const lines = [
    h('div', {}, h('strong', {}, '__type: '), h('code', {}, String(error.type ?? ''))),
    h('div', {}, h('strong', {}, 'code: '), h('code', {}, String(error.code ?? ''))),
    h('div', {}, h('strong', {}, 'message: '), String(error.message ?? '')),
  ];
  if (error.tip) lines.push(h('div', { className: 'muted' }, `tip: ${error.tip}`));
  const meta = [error.status ? `HTTP ${error.status}` : '', error.requestId ? `request id ${error.requestId}` : ''].filter(Boolean);
  if (meta.length > 0) lines.push(h('div', { className: 'muted' }, meta.join(' · ')));
  return lines;
}

function titled(title, error) {
  return isDenied(error) ? `${title}: your access policy does not allow this` : title;
}

/** An error shown in place (inside a tab), for what could not be loaded. */
export function problem(title, error) {
  return h('div', { className: `message error${isDenied(error) ? ' denied' : ''}`, role: 'alert' }, h('strong', {}, titled(title, error)), errorLines(error));
}

/** Shows (or replaces) the error of one slot, e.g. 'refresh', 'details', 'action'. */
export function reportError(slot, title, error) {
  clearError(slot);
  const node = h(
    'div',
    { className: `message error${isDenied(error) ? ' denied' : ''}` },
    h('div', { className: 'bar' }, h('strong', {}, titled(title, error)), h('button', { type: 'button', onclick: () => clearError(slot) }, 'Dismiss')),
    errorLines(error),
  );
  slots.set(slot, node);
  byId('errors').append(node);
  node.scrollIntoView?.({ block: 'nearest' });
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
