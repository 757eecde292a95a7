// One database's details: its name, state and badges, the actions on the
// whole database, and the tabs (as Lightsail's console has them). A tab is
// { id, label, shows?(db), open(panel, context) → view }, where a view may
// have update(db), called at every refresh, and close().

import { actionBar } from './actions.js';
import { badgeNodes, stateNode } from './databases.js';
import { h } from './dom.js';
import { backupsTab } from './tab-backups.js';
import { connectTab } from './tab-connect.js';
import { haTab } from './tab-ha.js';
import { historyTab } from './tab-history.js';
import { logsTab } from './tab-logs.js';
import { metricsTab } from './tab-metrics.js';
import { parametersTab } from './tab-parameters.js';
import { settingsTab } from './tab-settings.js';
import { tagsTab } from './tab-tags.js';

export const TABS = [connectTab, metricsTab, backupsTab, logsTab, parametersTab, settingsTab, tagsTab, historyTab, haTab];

const shown = {
  name: undefined,
  tabId: connectTab.id,
  view: undefined,
  header: undefined,
};

function headerOf(db) {
  return h('div', { className: 'bar' },
    h('h2', { id: 'details-title' }, db.name),
    stateNode(db),
    badgeNodes(db));
}

function closeView() {
  try {
    shown.view?.close?.();
  } finally {
    shown.view = undefined;
  }
}

/** Opens one tab: the old view is closed, the panel emptied and handed to the tab. */
function openTab(section, context, tab) {
  closeView();
  shown.tabId = tab.id;
  for (const button of section.querySelectorAll('[role="tab"]')) {
    const selected = button.dataset.tab === tab.id;
    button.ariaSelected = String(selected);
    button.tabIndex = selected ? 0 : -1;
  }
  const panel = section.querySelector('[role="tabpanel"]');
  panel.replaceChildren();
  panel.setAttribute('aria-labelledby', `tab-${tab.id}`);
  panel.dataset.tab = tab.id;
  shown.view = tab.open(panel, context);
}

function tabList(section, context, tabs) {
  const list = h('div', { className: 'tabs', role: 'tablist', ariaLabel: 'Database details' });
  for (const tab of tabs) {
    list.append(h('button', {
      type: 'button',
      role: 'tab',
      id: `tab-${tab.id}`,
      dataset: { tab: tab.id },
      onclick: () => openTab(section, context, tab),
    }, tab.label));
    list.lastChild.setAttribute('aria-controls', 'tab-panel');
  }
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern: one tab stop, automatic activation).
  list.addEventListener('keydown', (event) => {
    const buttons = [...list.querySelectorAll('[role="tab"]')];
    const at = buttons.indexOf(document.activeElement);
    if (at === -1) return;
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = buttons[(next + buttons.length) % buttons.length];
    target.focus();
    target.click();
  });
  return list;
}

/**
 * Shows `db` in the details section. The same database as before keeps its
 * tab and view (the view is told of the new record); another one is built anew.
 * context: { client, refresh, db } (context.db is always the latest record).
 */
export function renderDetails(section, db, context) {
  const tabs = TABS.filter((tab) => tab.shows?.(db) ?? true);
  if (shown.name === db.name && section.querySelector('[role="tabpanel"]')) {
    const header = headerOf(db);
    shown.header.replaceWith(header);
    shown.header = header;
    shown.view?.update?.(db);
    return;
  }
  closeView();
  shown.name = db.name;
  shown.header = headerOf(db);
  section.replaceChildren(
    shown.header,
    actionBar(context, db),
    tabList(section, context, tabs),
    h('div', { role: 'tabpanel', id: 'tab-panel', className: 'panel', tabIndex: 0 }),
  );
  section.hidden = false;
  openTab(section, context, tabs.find((tab) => tab.id === shown.tabId) ?? tabs[0]);
}

/** The details are hidden (nothing selected, or signed out). */
export function closeDetails(section) {
  closeView();
  shown.name = undefined;
  section.replaceChildren();
  section.hidden = true;
}
