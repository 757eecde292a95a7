// One modal confirmation dialog (<dialog> in index.html), reused by every action.

import { byId, h } from './dom.js';

/**
 * Shows the dialog with `body` (nodes, typically labelled inputs) and resolves
 * true when confirmed (the form's own validation passed), false when cancelled.
 * `validate()` may return a message that keeps the dialog open.
 */
export function confirmDialog({ title, body, confirmLabel, danger = false, validate }) {
  const dialog = byId('dialog');
  const form = byId('dialog-form');
  const confirm = byId('dialog-confirm');
  const problem = h('p', { className: 'problem', hidden: true });
  byId('dialog-title').textContent = title;
  byId('dialog-body').replaceChildren(...[body].flat(Infinity).filter(Boolean), problem);
  confirm.textContent = confirmLabel;
  confirm.className = danger ? 'danger' : '';

  return new Promise((resolve) => {
    const finish = (value) => {
      form.onsubmit = null;
      byId('dialog-cancel').onclick = null;
      dialog.oncancel = null;
      if (dialog.open) dialog.close();
      resolve(value);
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      const message = validate?.();
      if (message) {
        problem.textContent = message;
        problem.hidden = false;
        return;
      }
      finish(true);
    };
    byId('dialog-cancel').onclick = () => finish(false);
    dialog.oncancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.showModal();
    dialog.querySelector('input, select')?.focus();
  });
}

/** A labelled input (or select when `options` is given). */
export function field(label, props = {}, options) {
  const control = options
    ? h('select', props, options.map(([value, text]) => h('option', { value, textContent: text })))
    : h('input', { type: 'text', autocomplete: 'off', spellcheck: false, ...props });
  return { control, node: h('label', { className: 'field' }, label, control) };
}

/** A labelled checkbox. */
export function checkbox(label, checked = false) {
  const control = h('input', { type: 'checkbox', checked });
  return { control, node: h('label', { className: 'check' }, control, ` ${label}`) };
}
