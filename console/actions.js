// Actions on a database as a whole, each behind a confirmation: create,
// stop, start, reboot, delete; and `run`, which every tab's action uses.
// Errors go to the 'action' slot.

import { bundleChoice } from './databases.js';
import { checkbox, confirmDialog, field } from './dialog.js';
import { h } from './dom.js';
import { clearError, notify, reportError } from './messages.js';

/** A name stamp for new snapshots and restores: 20260102-030405. */
export function stamp() {
  return new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
}

/** Runs one call, reports its outcome, then refreshes the page's data; resolves the output, or undefined when it failed. */
export async function run(context, label, operation, input) {
  clearError('action');
  let output;
  try {
    output = await context.client.call(operation, input);
    const operations = output.operations ?? (output.operation ? [output.operation] : []);
    const first = operations[0];
    notify(first ? `${label}: ${first.operationType ?? operation} ${first.status ?? ''} (operation ${first.id ?? '?'})` : `${label}: done`);
  } catch (error) {
    reportError('action', `${label} failed (${operation})`, error);
  }
  await context.refresh();
  return output;
}

/** Confirms, then runs: `body` explains what happens. */
export async function confirmThenRun(context, { title, body, confirmLabel, danger, validate, label, operation, input }) {
  const ok = await confirmDialog({ title, body, confirmLabel, danger, validate });
  if (!ok) return undefined;
  return run(context, label ?? title.replace(/\?$/, ''), operation, typeof input === 'function' ? input() : input);
}

function simple(context, db, verb, operation, explanation) {
  return confirmThenRun(context, {
    title: `${verb} ${db.name}?`, body: h('p', {}, explanation), confirmLabel: verb,
    label: `${verb} ${db.name}`, operation, input: { relationalDatabaseName: db.name },
  });
}

async function remove(context, db) {
  const skip = checkbox('Skip the final snapshot (the data is gone for good)');
  const finalName = field('Final snapshot name (optional; berth names it when empty)', { placeholder: `${db.name}-FinalSnapshot-<epoch ms>` });
  skip.control.addEventListener('change', () => {
    finalName.control.disabled = skip.control.checked;
  });
  const typed = field(`Type the database name (${db.name}) to confirm`, { required: true });
  const ok = await confirmDialog({
    title: `Delete ${db.name}?`,
    body: [h('p', {}, 'The database server, its data directory and its automatic backups are deleted.'), skip.node, finalName.node, typed.node],
    confirmLabel: 'Delete',
    danger: true,
    validate: () => (typed.control.value === db.name ? undefined : `Type ${db.name} exactly to confirm.`),
  });
  if (!ok) return;
  const input = { relationalDatabaseName: db.name, skipFinalSnapshot: skip.control.checked };
  const given = finalName.control.value.trim();
  if (!skip.control.checked && given) input.finalRelationalDatabaseSnapshotName = given;
  await run(context, `Delete ${db.name}`, 'DeleteRelationalDatabase', input);
}

/** The action buttons of one database. context: { client, refresh } */
export function actionBar(context, db) {
  const button = (label, handler, className) => h('button', { type: 'button', className, onclick: () => void handler() }, label);
  return h(
    'div',
    { className: 'bar actions' },
    button('Stop', () => simple(context, db, 'Stop', 'StopRelationalDatabase', 'The engine stops; the data stays.')),
    button('Start', () => simple(context, db, 'Start', 'StartRelationalDatabase', 'The engine starts again.')),
    button('Reboot', () => simple(context, db, 'Reboot', 'RebootRelationalDatabase', 'The engine restarts; open connections are cut.')),
    button('Delete…', () => remove(context, db), 'danger'),
  );
}

function optionsOf(items, value, text) {
  return items.map((item) => [value(item), text(item)]);
}

/** Loads blueprints and bundles, asks for the new database, creates it. */
export async function createDatabase(context) {
  clearError('action');
  let blueprints;
  let bundles;
  try {
    [blueprints, bundles] = await Promise.all([
      context.client.all('GetRelationalDatabaseBlueprints', {}, 'blueprints'),
      context.client.all('GetRelationalDatabaseBundles', {}, 'bundles'),
    ]);
  } catch (error) {
    reportError('action', 'Could not load blueprints and bundles', error);
    return;
  }
  const name = field('Name', { required: true, placeholder: 'db1' });
  const blueprint = field('Blueprint', { required: true },
    optionsOf(blueprints, (b) => b.blueprintId, (b) => `${b.blueprintId} — ${b.engineDescription ?? b.engine} ${b.engineVersion ?? ''}`));
  const preferred = blueprints.find((b) => b.isEngineDefault && b.engine === 'postgres') ?? blueprints.find((b) => b.isEngineDefault);
  if (preferred) blueprint.control.value = preferred.blueprintId;
  const active = bundles.filter((b) => b.isActive !== false);
  const bundle = field('Bundle', { required: true },
    active.map(bundleChoice));
  if (active.some((b) => b.bundleId === 'micro_2_0')) bundle.control.value = 'micro_2_0';
  const dbName = field('Master database name', { required: true, value: 'app' });
  const user = field('Master username', { required: true, value: 'appadmin' });
  const tags = field('Tags (key=value, separated by commas; optional)', { placeholder: 'team=payments, env=test' });

  const ok = await confirmDialog({
    title: 'Create a database',
    body: [
      name.node, blueprint.node, bundle.node, dbName.node, user.node, tags.node,
      h('p', { className: 'muted' }, 'berth generates the master password; read it with get-relational-database-master-user-password.'),
    ],
    confirmLabel: 'Create',
    validate: () => parseTags(tags.control.value).problem,
  });
  if (!ok) return;
  const tagList = parseTags(tags.control.value).tags;
  await run(context, `Create ${name.control.value.trim()}`, 'CreateRelationalDatabase', {
    relationalDatabaseName: name.control.value.trim(),
    relationalDatabaseBlueprintId: blueprint.control.value,
    relationalDatabaseBundleId: bundle.control.value,
    masterDatabaseName: dbName.control.value.trim(),
    masterUsername: user.control.value.trim(),
    ...(tagList.length > 0 ? { tags: tagList } : {}),
  });
}

/** "team=payments, env" → [{key:'team', value:'payments'}, {key:'env'}], or a problem to show. */
export function parseTags(text) {
  const tags = [];
  for (const part of text.split(',').map((item) => item.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    const key = (at === -1 ? part : part.slice(0, at)).trim();
    if (!key) return { tags: [], problem: `The tag "${part}" has no key: write key=value.` };
    tags.push(at === -1 ? { key } : { key, value: part.slice(at + 1).trim() });
  }
  return { tags };
}
