// Networking & settings: public access, backup retention, the backup and
// maintenance windows, the CA (rotated now or in the maintenance window),
// and the maintenance waiting for the window.

import { confirmThenRun } from './actions.js';
import { checkbox, field } from './dialog.js';
import { formatTime, h, summaryList } from './dom.js';
import { button, headingBar } from './panel.js';

/** The CAs berth runs (README: TLS). */
export const CA_IDENTIFIERS = ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1'];
export const RUN_MAINTENANCE_OPERATION = 'BerthAdmin_20261127.RunPendingMaintenance';

/** The UpdateRelationalDatabase members that differ from `db` (an empty object when nothing does). */
export function settingsChanges(db, form) {
  const changes = {};
  if (form.publiclyAccessible !== Boolean(db.publiclyAccessible)) changes.publiclyAccessible = form.publiclyAccessible;
  if (form.backupRetentionEnabled !== Boolean(db.backupRetentionEnabled)) {
    if (form.backupRetentionEnabled) changes.enableBackupRetention = true;
    else changes.disableBackupRetention = true;
  }
  if (form.preferredBackupWindow !== (db.preferredBackupWindow ?? '')) changes.preferredBackupWindow = form.preferredBackupWindow;
  if (form.preferredMaintenanceWindow !== (db.preferredMaintenanceWindow ?? '')) changes.preferredMaintenanceWindow = form.preferredMaintenanceWindow;
  return changes;
}

function describeChanges(changes) {
  return Object.entries(changes).map(([key, value]) => h('li', {}, h('code', {}, key), ` = ${JSON.stringify(value)}`));
}

function settingsForm(context, markDirty) {
  const db = context.db;
  const name = db.name;
  const publicAccess = checkbox('Publicly accessible (reachable from other hosts, not only 127.0.0.1)', Boolean(db.publiclyAccessible));
  const retention = checkbox('Backup retention (automatic backups and point-in-time restore)', Boolean(db.backupRetentionEnabled));
  const backupWindow = field('Preferred backup window (UTC, hh24:mi-hh24:mi)', { value: db.preferredBackupWindow ?? '', pattern: '\\d{2}:\\d{2}-\\d{2}:\\d{2}', id: 'backup-window' });
  const maintenanceWindow = field('Preferred maintenance window (UTC, ddd:hh24:mi-ddd:hh24:mi)', {
    value: db.preferredMaintenanceWindow ?? '', pattern: '[A-Za-z]{3}:\\d{2}:\\d{2}-[A-Za-z]{3}:\\d{2}:\\d{2}', id: 'maintenance-window',
  });
  const immediately = checkbox('Apply immediately (otherwise a backup retention change waits for the maintenance window)', true);
  const controls = [publicAccess, retention, backupWindow, maintenanceWindow].map((item) => item.control);
  for (const control of controls) control.addEventListener('input', markDirty);
  const values = () => ({
    publiclyAccessible: publicAccess.control.checked,
    backupRetentionEnabled: retention.control.checked,
    preferredBackupWindow: backupWindow.control.value.trim(),
    preferredMaintenanceWindow: maintenanceWindow.control.value.trim(),
  });
  const save = async () => {
    const changes = settingsChanges(context.db, values());
    if (Object.keys(changes).length === 0) {
      status.textContent = 'Nothing changed.';
      return;
    }
    await confirmThenRun(context, {
      title: `Change the settings of ${name}?`,
      body: [h('ul', {}, describeChanges(changes)), immediately.control.checked ? h('p', {}, 'Applied now.') : h('p', {}, 'Some changes wait for the maintenance window.')],
      confirmLabel: 'Save settings',
      label: `Settings of ${name}`,
      operation: 'UpdateRelationalDatabase',
      input: { relationalDatabaseName: name, ...changes, applyImmediately: immediately.control.checked },
    });
  };
  const status = h('span', { className: 'muted', ariaLive: 'polite' });
  return h('div', { className: 'settings' },
    headingBar('Networking & settings'),
    publicAccess.node, retention.node, backupWindow.node, maintenanceWindow.node, immediately.node,
    h('div', { className: 'bar' }, button('Save settings…', save), status));
}

function caRotation(context) {
  const db = context.db;
  const ca = field('CA certificate identifier', { id: 'ca-choice' }, CA_IDENTIFIERS.map((id) => [id, id === db.caCertificateIdentifier ? `${id} (current)` : id]));
  ca.control.value = CA_IDENTIFIERS.find((id) => id !== db.caCertificateIdentifier) ?? CA_IDENTIFIERS[0];
  const when = field('When', { id: 'ca-when' }, [['now', 'now (the engine reloads its certificate; connections stay)'], ['window', 'in the next maintenance window']]);
  const rotate = () => {
    const now = when.control.value === 'now';
    return confirmThenRun(context, {
      title: `Rotate the CA of ${db.name} to ${ca.control.value}?`,
      body: h('p', {}, now
        ? 'berth issues a new server certificate under this CA now and the engine reloads it; clients must trust the new CA bundle.'
        : `The rotation waits for the maintenance window (${db.preferredMaintenanceWindow ?? '—'}) and shows as a pending maintenance action until then.`),
      confirmLabel: now ? 'Rotate now' : 'Rotate in the window',
      label: `Rotate the CA of ${db.name}`,
      operation: 'UpdateRelationalDatabase',
      input: () => ({ relationalDatabaseName: db.name, caCertificateIdentifier: ca.control.value, applyImmediately: now }),
    });
  };
  return h('div', {}, headingBar('Certificate authority'), h('p', {}, 'Current: ', h('code', {}, db.caCertificateIdentifier ?? '—')),
    h('div', { className: 'bar' }, ca.node, when.node, button('Rotate CA…', rotate)));
}

function pendingSection(context) {
  const db = context.db;
  const actions = db.pendingMaintenanceActions ?? [];
  const modified = Object.entries(db.pendingModifiedValues ?? {}).filter(([, value]) => value !== undefined && value !== null);
  const runNow = () => confirmThenRun(context, {
    title: `Apply the pending maintenance of ${db.name} now?`,
    body: h('p', {}, 'What waits for the maintenance window is applied now instead (berth maintenance run).'),
    confirmLabel: 'Apply now',
    label: `Pending maintenance of ${db.name}`,
    operation: RUN_MAINTENANCE_OPERATION,
    input: { relationalDatabaseName: db.name },
  });
  return h('div', { className: 'pending', dataset: { testid: 'pending-maintenance' } },
    headingBar('Pending maintenance', actions.length > 0 ? button('Apply now…', runNow) : undefined),
    actions.length === 0 && modified.length === 0
      ? h('p', { className: 'muted' }, 'Nothing is waiting for the maintenance window.')
      : [
          actions.map((action) => h('div', { className: 'message notice pending-action' },
            h('strong', {}, action.action), h('div', {}, action.description ?? ''),
            h('div', { className: 'muted' }, `applies ${formatTime(action.currentApplyDate)}`))),
          modified.length > 0 ? summaryList(modified.map(([key, value]) => [key, JSON.stringify(value)])) : undefined,
        ]);
}

export const settingsTab = {
  id: 'settings',
  label: 'Networking & settings',
  open(panel, context) {
    let dirty = false;
    const markDirty = () => {
      dirty = true;
    };
    let form = settingsForm(context, markDirty);
    let ca = caRotation(context);
    let pending = pendingSection(context);
    let key = JSON.stringify([context.db.publiclyAccessible, context.db.backupRetentionEnabled, context.db.preferredBackupWindow, context.db.preferredMaintenanceWindow, context.db.caCertificateIdentifier]);
    panel.append(form, ca, pending);
    return {
      update(db) {
        const next = pendingSection(context);
        pending.replaceWith(next);
        pending = next;
        const now = JSON.stringify([db.publiclyAccessible, db.backupRetentionEnabled, db.preferredBackupWindow, db.preferredMaintenanceWindow, db.caCertificateIdentifier]);
        if (now === key || (dirty && panel.contains(document.activeElement))) return;
        key = now;
        dirty = false;
        const nextForm = settingsForm(context, markDirty);
        form.replaceWith(nextForm);
        form = nextForm;
        const nextCa = caRotation(context);
        ca.replaceWith(nextCa);
        ca = nextCa;
      },
    };
  },
};
