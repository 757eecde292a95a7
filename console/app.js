// The console's entry point: sign-in / forget, the refresh loop, selection.

import { createDatabase } from './actions.js';
import { createClient } from './api.js';
import { fetchDatabases, renderDatabases } from './databases.js';
import { closeDetails, renderDetails } from './details.js';
import { byId, clear } from './dom.js';
import { clearAllErrors, clearError, isDenied, reportError } from './messages.js';
import { forgetKeys, loadKeys, saveKeys } from './session.js';

const REFRESH_MS = 5000;

const state = {
  client: undefined,
  selected: undefined,
  /** The last list answered. */
  databases: [],
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
  get db() {
    return state.databases.find((db) => db.name === state.selected);
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
  state.databases = databases;
  showDatabases();
  byId('refreshed').textContent = `updated ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`;
}

/** The list as the filters show it, and the selected database's details. */
function showDatabases() {
  const selected = state.databases.find((db) => db.name === state.selected);
  if (!selected) {
    state.selected = undefined;
    closeDetails(byId('details'));
  }
  renderDatabases(state.databases, state.selected, select);
  if (selected) renderDetails(byId('details'), selected, context);
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
  showDatabases();
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
  state.databases = [];
  clear(byId('databases').querySelector('tbody'));
  closeDetails(byId('details'));
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
    // A refusal by the user's policy proves the keys as well as an answer does.
    if (!isDenied(error)) {
      reportError('signin', 'Sign-in failed', error);
      return;
    }
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
  for (const id of ['filter-engine', 'filter-state', 'filter-tag']) byId(id).addEventListener('input', showDatabases);
  const keys = loadKeys();
  if (keys) start(keys);
  else showSignIn();
}

main();
