// The console's entry point: sign-in / forget, the refresh loop, selection.

import { actionBar, createDatabase } from './actions.js';
import { createClient } from './api.js';
import { fetchDatabases, renderDatabases } from './databases.js';
import { fetchDetails, renderDetails } from './details.js';
import { byId, clear } from './dom.js';
import { clearAllErrors, clearError, reportError } from './messages.js';
import { forgetKeys, loadKeys, saveKeys } from './session.js';

const REFRESH_MS = 5000;

const state = {
  client: undefined,
  selected: undefined,
  timer: undefined,
  /** Bumped by "Forget keys": answers to calls made before are dropped. */
  generation: 0,
  queue: Promise.resolve(),
  queued: 0,
};

const context = {
  get client() {
    return state.client;
  },
  refresh: () => refresh(),
};

async function loadAndRender() {
  const client = state.client;
  const generation = state.generation;
  if (!client) return;
  let databases;
  try {
    databases = await fetchDatabases(client);
  } catch (error) {
    if (generation === state.generation) reportError('refresh', 'Could not list the databases (GetRelationalDatabases)', error);
    return;
  }
  if (generation !== state.generation) return;
  clearError('refresh');
  const selected = databases.find((db) => db.name === state.selected);
  if (!selected) {
    state.selected = undefined;
    clear(byId('details')).hidden = true;
    clearError('details');
  }
  renderDatabases(databases, state.selected, select);
  byId('refreshed').textContent = `updated ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`;
  if (!selected) return;
  try {
    const details = await fetchDetails(client, selected.name, selected.relationalDatabaseBundleId);
    if (generation !== state.generation || state.selected !== selected.name) return;
    clearError('details');
    renderDetails(byId('details'), selected, details, actionBar(context, selected), location.origin);
  } catch (error) {
    if (generation === state.generation) reportError('details', `Could not load the details of ${selected.name}`, error);
  }
}

/** Refreshes run one after another; an automatic one is skipped while another waits. */
function refresh({ automatic = false } = {}) {
  if (automatic && (state.queued > 0 || document.hidden)) return state.queue;
  state.queued += 1;
  state.queue = state.queue.then(loadAndRender).finally(() => {
    state.queued -= 1;
  });
  return state.queue;
}

function select(name) {
  state.selected = name;
  void refresh();
}

function start(keys) {
  state.client = createClient(keys);
  byId('who').textContent = `${keys.accessKeyId} · ${keys.region}`;
  byId('signin').hidden = true;
  byId('main').hidden = false;
  byId('forget').hidden = false;
  clearInterval(state.timer);
  state.timer = setInterval(() => void refresh({ automatic: true }), REFRESH_MS);
  void refresh();
}

function forget() {
  forgetKeys();
  state.generation += 1;
  clearInterval(state.timer);
  state.timer = undefined;
  state.client = undefined;
  state.selected = undefined;
  clear(byId('databases').querySelector('tbody'));
  clear(byId('details')).hidden = true;
  byId('main').hidden = true;
  byId('forget').hidden = true;
  byId('who').textContent = '';
  byId('refreshed').textContent = '';
  clearAllErrors();
  showSignIn();
}

function showSignIn() {
  const form = byId('signin-form');
  form.reset();
  byId('signin').hidden = false;
  form.elements.namedItem('accessKeyId').focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const value = (name) => form.elements.namedItem(name).value.trim();
  const keys = { accessKeyId: value('accessKeyId'), secretAccessKey: value('secretAccessKey'), region: value('region') };
  clearError('signin');
  try {
    // One signed call proves the keys before they are kept.
    await createClient(keys).call('GetRelationalDatabases', {});
  } catch (error) {
    reportError('signin', 'Sign-in failed', error);
    return;
  }
  saveKeys(keys);
  form.reset();
  start(keys);
}

function main() {
  if (!globalThis.crypto?.subtle) {
    reportError('crypto', 'WebCrypto is unavailable', new Error(
      'Browsers offer crypto.subtle only in secure contexts: open the console at http://127.0.0.1:<port>/console or ' +
        'http://localhost:<port>/console (an SSH tunnel works), or behind HTTPS.',
    ));
  }
  byId('signin-form').addEventListener('submit', (event) => void signIn(event));
  byId('forget').addEventListener('click', forget);
  byId('create-open').addEventListener('click', () => void createDatabase(context));
  const keys = loadKeys();
  if (keys) start(keys);
  else showSignIn();
}

main();
