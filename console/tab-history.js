// History: the database's events and operations, refreshed with the list.

import { formatTime, h, table } from './dom.js';
import { headingBar, loadInto } from './panel.js';

export const historyTab = {
  id: 'history',
  label: 'History',
  open(panel, context) {
    const name = context.db.name;
    const eventsNode = h('div');
    const operationsNode = h('div');
    const operationsTitle = h('h3', {}, 'Operations');
    let busy = false;
    async function reload(quietly) {
      if (busy) return;
      busy = true;
      try {
        const loader = (node, title, load) => loadInto(node, title, load, { keep: quietly });
        const events = await loader(eventsNode, 'Could not read the events (GetRelationalDatabaseEvents)', () =>
          context.client.all('GetRelationalDatabaseEvents', { relationalDatabaseName: name, durationInMinutes: 20160 }, 'relationalDatabaseEvents'));
        if (events) {
          eventsNode.replaceChildren(table([
            ['Time', (event) => formatTime(event.createdAt)],
            ['Categories', (event) => (event.eventCategories ?? []).join(', ')],
            ['Message', (event) => event.message],
          ], [...events].sort((a, b) => b.createdAt - a.createdAt), 'No events in the last 14 days.'));
        }
        const page = await loader(operationsNode, 'Could not read the operations (GetOperationsForResource)', () =>
          context.client.call('GetOperationsForResource', { resourceName: name }));
        if (page) {
          operationsTitle.textContent = page.nextPageToken ? 'Operations (newest page)' : 'Operations';
          operationsNode.replaceChildren(table([
            ['Created', (op) => formatTime(op.createdAt)],
            ['Type', (op) => op.operationType],
            ['Status', (op) => op.status],
            ['Changed', (op) => formatTime(op.statusChangedAt)],
            ['Details', (op) => [op.operationDetails, op.errorCode, op.errorDetails].filter(Boolean).join(' — ')],
            ['Id', (op) => h('code', {}, op.id ?? '')],
          ], page.operations ?? [], 'No operations.'));
        }
      } finally {
        busy = false;
      }
    }
    panel.append(headingBar('Events (last 14 days, newest first)'), eventsNode, operationsTitle, operationsNode);
    void reload(false);
    return { update: () => void reload(true) };
  },
};
