// The databases table (GetRelationalDatabases, every page), its filters
// (engine, state, tag) and the badges a row shows.

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

/** Is the bundle one with a standby (`micro_ha_2_0`...)? */
export function isHighlyAvailableBundle(bundleId) {
  return typeof bundleId === 'string' && bundleId.includes('_ha_');
}

/** The state of a database, coloured by its class. */
export function stateNode(db) {
  return h('span', { className: `state state-${String(db.state ?? '').replace(/[^a-z-]/g, '')}` }, db.state ?? '—');
}

/** A bundle as a choice of a select: [bundleId, what it offers]. */
export function bundleChoice(bundle) {
  return [bundle.bundleId, `${bundle.bundleId} — ${bundle.cpuCount} vCPU, ${bundle.ramSizeInGb} GB RAM, ${bundle.diskSizeInGb} GB disk`];
}

/** The badges of a database, in the list and in its details: [text, kind]. */
export function badgesOf(db) {
  const badges = [];
  if (isHighlyAvailableBundle(db.relationalDatabaseBundleId)) badges.push(['HA', 'info']);
  if (db.publiclyAccessible) badges.push(['public', 'warn']);
  if ((db.pendingMaintenanceActions ?? []).length > 0) badges.push(['maintenance pending', 'warn']);
  if (db.parameterApplyStatus === 'pending-reboot') badges.push(['reboot pending', 'warn']);
  if (db.backupRetentionEnabled === false) badges.push(['no backups', 'warn']);
  return badges;
}

export function badgeNodes(db) {
  return badgesOf(db).map(([text, kind]) => h('span', { className: `badge badge-${kind}` }, text));
}

/**
 * Filters: engine ('' for any), state ('' for any), tag ("key" or
 * "key=value", '' for any; keys compare exactly, as the API's).
 */
export function filterDatabases(databases, { engine = '', state = '', tag = '' } = {}) {
  const wanted = tag.trim();
  const at = wanted.indexOf('=');
  const key = at === -1 ? wanted : wanted.slice(0, at).trim();
  const value = at === -1 ? undefined : wanted.slice(at + 1).trim();
  return databases.filter((db) =>
    (engine === '' || db.engine === engine) &&
    (state === '' || db.state === state) &&
    (key === '' || (db.tags ?? []).some((t) => t.key === key && (value === undefined || (t.value ?? '') === value))));
}

/** Keeps the state filter's choices to the states present (and the chosen one). */
function offerStates(databases) {
  const select = byId('filter-state');
  const chosen = select.value;
  const states = [...new Set(databases.map((db) => db.state).filter(Boolean))].sort();
  if (chosen && !states.includes(chosen)) states.push(chosen);
  const current = [...select.options].slice(1).map((option) => option.value);
  if (current.join() === states.join()) return;
  select.replaceChildren(h('option', { value: '', textContent: 'any state' }), ...states.map((state) => h('option', { value: state, textContent: state })));
  select.value = chosen;
}

export function currentFilters() {
  return { engine: byId('filter-engine').value, state: byId('filter-state').value, tag: byId('filter-tag').value };
}

/** Renders the rows; clicking a row (or pressing Enter on it) selects the database. */
export function renderDatabases(databases, selectedName, onSelect) {
  offerStates(databases);
  const shown = filterDatabases(databases, currentFilters());
  const tbody = byId('databases').querySelector('tbody');
  clear(tbody);
  byId('empty').hidden = databases.length > 0;
  const hiddenCount = databases.length - shown.length;
  byId('filtered').textContent = hiddenCount > 0 ? `${hiddenCount} of ${databases.length} hidden by the filters` : '';
  for (const db of shown) {
    const select = () => onSelect(db.name);
    const row = h(
      'tr',
      {
        className: db.name === selectedName ? 'selected' : '',
        tabIndex: 0,
        title: 'Show details',
        ariaCurrent: db.name === selectedName ? 'true' : undefined,
        onclick: select,
        onkeydown: (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            select();
          }
        },
      },
      h('td', {}, h('strong', {}, db.name ?? ''), ' ', badgeNodes(db)),
      h('td', {}, stateNode(db)),
      h('td', {}, `${db.engine ?? '—'} ${db.engineVersion ?? ''}`.trim()),
      h('td', {}, db.relationalDatabaseBundleId ?? '—'),
      h('td', {}, h('code', {}, endpointText(db))),
      h('td', {}, db.location?.availabilityZone ?? '—'),
      h('td', {}, (db.tags ?? []).map((t) => (t.value ? `${t.key}=${t.value}` : t.key)).join(', ') || '—'),
      h('td', {}, formatTime(db.createdAt)),
    );
    tbody.append(row);
  }
}
