// Logs: one of the engine's log streams, newest first or from a chosen
// time, paged older and newer with the API's tokens, with a filter box over
// the page shown.

import { formatTime, h, scroller } from './dom.js';
import { field } from './dialog.js';
import { fromUtcInput } from './tab-backups.js';
import { button, loadInto } from './panel.js';

/** The events of a page that contain `text` (case-insensitive); all of them for ''. */
export function filterEvents(events, text) {
  const wanted = text.trim().toLowerCase();
  return wanted === '' ? events : events.filter((event) => String(event.message ?? '').toLowerCase().includes(wanted));
}

export const logsTab = {
  id: 'logs',
  label: 'Logs',
  open(panel, context) {
    const name = context.db.name;
    const stream = field('Log stream', { id: 'log-stream' }, []);
    const from = field('From (UTC; empty for the newest)', { type: 'datetime-local', step: 1, id: 'log-from' });
    const filter = field('Filter', { type: 'search', id: 'log-filter', placeholder: 'text in the message' });
    const status = h('span', { className: 'muted', ariaLive: 'polite' });
    const list = h('div', { className: 'log-page' });
    const older = button('← Older', () => page('backward'), { disabled: true });
    const newer = button('Newer →', () => page('forward'), { disabled: true });
    let tokens = {};
    let events = [];

    function show() {
      const shown = filterEvents(events, filter.control.value);
      status.textContent = `${shown.length} of ${events.length} events on this page`;
      list.replaceChildren(shown.length === 0
        ? h('p', { className: 'muted' }, events.length === 0 ? 'No events on this page.' : 'No event on this page matches the filter.')
        : scroller(h('table', { className: 'log' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Message'))),
          h('tbody', {}, shown.map((event) => h('tr', {}, h('td', { className: 'nowrap' }, formatTime(event.createdAt)), h('td', {}, h('code', { className: 'wrap' }, event.message ?? ''))))))));
    }

    async function load(input) {
      const answer = await loadInto(list, `Could not read the log ${stream.control.value} (GetRelationalDatabaseLogEvents)`, () =>
        context.client.call('GetRelationalDatabaseLogEvents', { relationalDatabaseName: name, logStreamName: stream.control.value, ...input }));
      if (!answer) return;
      const chronological = answer.resourceLogEvents ?? [];
      // Newest first unless read from a chosen time.
      events = input.startFromHead ? chronological : [...chronological].reverse();
      tokens = { backward: answer.nextBackwardToken, forward: answer.nextForwardToken, input };
      older.disabled = !tokens.backward;
      newer.disabled = !tokens.forward;
      show();
    }

    function first() {
      const start = from.control.value ? fromUtcInput(from.control.value) : undefined;
      return load(start === undefined ? { startFromHead: false } : { startTime: start, startFromHead: true });
    }

    function page(direction) {
      const token = tokens[direction];
      if (token) return load({ ...tokens.input, pageToken: token });
      return undefined;
    }

    filter.control.addEventListener('input', show);
    stream.control.addEventListener('change', () => void first());
    from.control.addEventListener('change', () => void first());
    panel.append(
      h('h3', {}, 'Logs'),
      h('div', { className: 'bar' }, stream.node, from.node, filter.node, button('Newest', () => {
        from.control.value = '';
        return first();
      })),
      h('div', { className: 'bar' }, older, newer, status),
      list,
    );
    void (async () => {
      const answer = await loadInto(list, 'Could not list the log streams (GetRelationalDatabaseLogStreams)', () =>
        context.client.call('GetRelationalDatabaseLogStreams', { relationalDatabaseName: name }));
      if (!answer) return;
      stream.control.replaceChildren(...(answer.logStreams ?? []).map((logStream) => h('option', { value: logStream, textContent: logStream })));
      if ((answer.logStreams ?? []).length > 0) await first();
      else list.replaceChildren(h('p', { className: 'muted' }, 'This database has no log streams.'));
    })();
    return {};
  },
};
