// Actions on databases, each behind a confirmation: create, stop, start,
// reboot, rotate CA, snapshot, delete. Errors go to the 'action' slot.

import { checkbox, confirmDialog, field } from './dialog.js';
import { h } from './dom.js';
import { clearError, notify, reportError } from './messages.js';

/** The CAs berth runs (README: TLS). */
export const CA_IDENTIFIERS = ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1'];

function stamp() {
  return new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
}

/** Runs one call, reports its outcome, then refreshes the page's data. */
async function run(context, label, operation, input) {
  clearError('action');
  try {
    const output = await context.client.call(operation, input);
    const operations = output.operations ?? (output.operation ? [output.operation] : []);
    const first = operations[0];
    notify(first ? `${label}: ${first.operationType ?? operation} ${first.status ?? ''} (operation ${first.id ?? '?'})` : `${label}: done`);
  } catch (error) {
    reportError('action', `${label} failed (${operation})`, error);
  }
  await context.refresh();
}

async function simple(context, db, verb, operation, explanation) {
  const ok = await confirmDialog({ title: `${verb} ${db.name}?`, body: h('p', {}, explanation), confirmLabel: verb });
  if (ok) await run(context, `${verb} ${db.name}`, operation, { relationalDatabaseName: db.name });
}

async function rotateCa(context, db) {
  const choices = CA_IDENTIFIERS.map((id) => [id, id === db.caCertificateIdentifier ? `${id} (current)` : id]);
  const ca = field('New CA certificate identifier', {}, choices);
  ca.control.value = CA_IDENTIFIERS.find((id) => id !== db.caCertificateIdentifier) ?? CA_IDENTIFIERS[0];
  const ok = await confirmDialog({
    title: `Rotate the CA of ${db.name}?`,
    body: [h('p', {}, 'berth issues a new server certificate under this CA now (applyImmediately) and the engine reloads it; clients must trust the new CA bundle.'), ca.node],
    confirmLabel: 'Rotate now',
  });
  if (!ok) return;
  await run(context, `Rotate CA of ${db.name}`, 'UpdateRelationalDatabase', {
    relationalDatabaseName: db.name,
    caCertificateIdentifier: ca.control.value,
    applyImmediately: true,
  });
}

async function snapshot(context, db) {
  const name = field('Snapshot name', { required: true, value: `${db.name}-${stamp()}` });
  const ok = await confirmDialog({ title: `Snapshot ${db.name}?`, body: [h('p', {}, 'A consistent online copy; the database shows backing-up meanwhile.'), name.node], confirmLabel: 'Take snapshot' });
  if (!ok) return;
  await run(context, `Snapshot of ${db.name}`, 'CreateRelationalDatabaseSnapshot', {
    relationalDatabaseName: db.name,
    relationalDatabaseSnapshotName: name.control.value.trim(),
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
    button('Rotate CA…', () => rotateCa(context, db)),
    button('Snapshot…', () => snapshot(context, db)),
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
    optionsOf(active, (b) => b.bundleId, (b) => `${b.bundleId} — ${b.cpuCount} vCPU, ${b.ramSizeInGb} GB RAM, ${b.diskSizeInGb} GB disk`));
  if (active.some((b) => b.bundleId === 'micro_2_0')) bundle.control.value = 'micro_2_0';
  const dbName = field('Master database name', { required: true, value: 'app' });
  const user = field('Master username', { required: true, value: 'appadmin' });

  const ok = await confirmDialog({
    title: 'Create a database',
    body: [
      name.node, blueprint.node, bundle.node, dbName.node, user.node,
      h('p', { className: 'muted' }, 'berth generates the master password; read it with get-relational-database-master-user-password.'),
    ],
    confirmLabel: 'Create',
  });
  if (!ok) return;
  await run(context, `Create ${name.control.value.trim()}`, 'CreateRelationalDatabase', {
    relationalDatabaseName: name.control.value.trim(),
    relationalDatabaseBlueprintId: blueprint.control.value,
    relationalDatabaseBundleId: bundle.control.value,
    masterDatabaseName: dbName.control.value.trim(),
    masterUsername: user.control.value.trim(),
  });
}
