// The databases table (GetRelationalDatabases, every page).

import { byId, clear, formatTime, h } from './dom.js';

export function fetchDatabases(client) {
  return client.all('GetRelationalDatabases', {}, 'relationalDatabases');
}

export function endpointText(db) {
  const endpoint = db.masterEndpoint;
  return endpoint?.address ? `${endpoint.address}:${endpoint.port ?? '—'}` : '—';
}

export function pendingMaintenanceText(db) {
  const actions = db.pendingMaintenanceActions ?? [];
  if (actions.length === 0) return '—';
  return actions.map((action) => `${action.action}${action.currentApplyDate ? ` (${formatTime(action.currentApplyDate)})` : ''}`).join('; ');
}

/** Renders the rows; clicking a row (or pressing Enter on it) selects the database. */
export function renderDatabases(databases, selectedName, onSelect) {
  const tbody = byId('databases').querySelector('tbody');
  clear(tbody);
  byId('empty').hidden = databases.length > 0;
  for (const db of databases) {
    const select = () => onSelect(db.name);
    const row = h(
      'tr',
      {
        className: db.name === selectedName ? 'selected' : '',
        tabIndex: 0,
        title: 'Show details',
        onclick: select,
        onkeydown: (event) => {
          if (event.key === 'Enter') select();
        },
      },
      h('td', {}, h('strong', {}, db.name ?? '')),
      h('td', {}, h('span', { className: `state state-${String(db.state ?? '').replace(/[^a-z-]/g, '')}` }, db.state ?? '—')),
      h('td', {}, `${db.engine ?? '—'} ${db.engineVersion ?? ''}`.trim()),
      h('td', {}, db.relationalDatabaseBlueprintId ?? '—'),
      h('td', {}, db.relationalDatabaseBundleId ?? '—'),
      h('td', {}, h('code', {}, endpointText(db))),
      h('td', {}, db.caCertificateIdentifier ?? '—'),
      h('td', {}, pendingMaintenanceText(db)),
      h('td', {}, formatTime(db.createdAt)),
    );
    tbody.append(row);
  }
}
