// Tags: the database's tags, added (TagResource) and removed (UntagResource).

import { confirmThenRun } from './actions.js';
import { field } from './dialog.js';
import { h, table } from './dom.js';
import { button, headingBar } from './panel.js';

const tagKey = (tags) => JSON.stringify(tags ?? []);

function tagsView(context) {
  const db = context.db;
  const key = field('Key', { required: true, id: 'tag-key', maxLength: 128 });
  const value = field('Value (optional)', { id: 'tag-value', maxLength: 256 });
  const add = () => {
    const wanted = key.control.value.trim();
    if (!wanted) {
      key.control.reportValidity?.();
      return undefined;
    }
    const tag = value.control.value === '' ? { key: wanted } : { key: wanted, value: value.control.value };
    return confirmThenRun(context, {
      title: `Tag ${db.name} with ${wanted}${tag.value === undefined ? '' : `=${tag.value}`}?`,
      body: h('p', {}, 'A tag with the same key is replaced. Access policies may grant or refuse actions by tags.'),
      confirmLabel: 'Add tag',
      label: `Tag ${db.name}`,
      operation: 'TagResource',
      input: { resourceName: db.name, tags: [tag] },
    });
  };
  const remove = (tag) => confirmThenRun(context, {
    title: `Remove the tag ${tag.key} from ${db.name}?`,
    body: h('p', {}, 'Access policies that match this tag no longer apply to the database.'),
    confirmLabel: 'Remove tag',
    danger: true,
    label: `Untag ${db.name}`,
    operation: 'UntagResource',
    input: { resourceName: db.name, tagKeys: [tag.key] },
  });
  return h('div', {},
    headingBar('Tags'),
    table([
      ['Key', (tag) => h('code', {}, tag.key)],
      ['Value', (tag) => tag.value ?? ''],
      ['', (tag) => button('Remove…', () => remove(tag), { className: 'danger', ariaLabel: `Remove tag ${tag.key}` })],
    ], db.tags ?? [], 'No tags.'),
    h('form', { className: 'bar', onsubmit: (event) => {
      event.preventDefault();
      void add();
    } }, key.node, value.node, h('button', { type: 'submit' }, 'Add tag…')));
}

export const tagsTab = {
  id: 'tags',
  label: 'Tags',
  open(panel, context) {
    let view = tagsView(context);
    let shown = tagKey(context.db.tags);
    panel.append(view);
    return {
      update(db) {
        if (tagKey(db.tags) === shown || panel.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') return;
        shown = tagKey(db.tags);
        const next = tagsView(context);
        view.replaceWith(next);
        view = next;
      },
    };
  },
};
