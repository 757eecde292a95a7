// Snapshots & backups: the database's snapshots (take, delete, restore into
// a new database with a chosen bundle), its automatic backups, the
// restorable window drawn as a timeline, and a point-in-time restore to a
// chosen second in it or to the latest restorable time.

import { confirmThenRun, stamp } from './actions.js';
import { checkbox, field } from './dialog.js';
import { bundleChoice } from './databases.js';
import { formatBytes, formatTime, h, summaryList, svg, table } from './dom.js';
import { button, headingBar, loadInto } from './panel.js';

export const BACKUPS_OPERATION = 'BerthAdmin_20261127.GetRelationalDatabaseBackups';

/** "2026-01-02T03:04:05" (a datetime-local value, read as UTC) ↔ epoch seconds. */
export function utcInputValue(epochSeconds) {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}
export function fromUtcInput(value) {
  const ms = Date.parse(`${value}${value.length === 16 ? ':00' : ''}Z`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

async function bundleField(context, label) {
  const bundles = await context.client.all('GetRelationalDatabaseBundles', {}, 'bundles');
  const active = bundles.filter((bundle) => bundle.isActive !== false);
  const select = field(label, { required: true }, active.map(bundleChoice));
  select.control.value = active.some((b) => b.bundleId === context.db.relationalDatabaseBundleId) ? context.db.relationalDatabaseBundleId : active[0]?.bundleId;
  return select;
}

function snapshotActions(context, snapshot, reload) {
  const restore = async () => {
    const name = field('New database name', { required: true, value: `${snapshot.fromRelationalDatabaseName ?? 'db'}-restored-${stamp()}`.slice(0, 255) });
    const bundle = await bundleField(context, 'Bundle of the new database');
    await confirmThenRun(context, {
      title: `Restore ${snapshot.name} into a new database?`,
      body: [h('p', {}, 'A new database is created from the snapshot; the snapshot stays.'), name.node, bundle.node],
      confirmLabel: 'Restore',
      label: `Restore ${snapshot.name}`,
      operation: 'CreateRelationalDatabaseFromSnapshot',
      input: () => ({ relationalDatabaseName: name.control.value.trim(), relationalDatabaseSnapshotName: snapshot.name, relationalDatabaseBundleId: bundle.control.value }),
    });
  };
  const remove = () => confirmThenRun(context, {
    title: `Delete the snapshot ${snapshot.name}?`,
    body: h('p', {}, 'The snapshot is deleted for good; databases restored from it stay.'),
    confirmLabel: 'Delete snapshot',
    danger: true,
    label: `Delete ${snapshot.name}`,
    operation: 'DeleteRelationalDatabaseSnapshot',
    input: { relationalDatabaseSnapshotName: snapshot.name },
  }).then(reload);
  return h('span', { className: 'bar' },
    button('Restore…', restore, { ariaLabel: `Restore ${snapshot.name}` }),
    button('Delete…', remove, { className: 'danger', ariaLabel: `Delete ${snapshot.name}` }));
}

/** The restorable window as a bar, with a dot per automatic backup and a tick per snapshot; a click picks that second. */
function timeline(window, backups, snapshots, onPick) {
  const width = 1000;
  const { earliest, latest } = window;
  const span = Math.max(1, latest - earliest);
  const x = (t) => Math.round(((t - earliest) / span) * (width - 20) + 10);
  const picture = svg('svg', { viewBox: `0 0 ${width} 44`, class: 'timeline', role: 'img', 'aria-label': `Restorable from ${formatTime(earliest)} to ${formatTime(latest)}` },
    svg('rect', { x: 10, y: 16, width: width - 20, height: 12, rx: 6, class: 'window' }),
    backups.filter((b) => b.consistentAt >= earliest - 1).map((b) => svg('circle', { cx: x(Math.max(earliest, b.consistentAt)), cy: 22, r: 6, class: 'backup' }, svg('title', {}, `automatic backup ${formatTime(b.consistentAt)}`))),
    snapshots.filter((s) => s.createdAt >= earliest && s.createdAt <= latest).map((s) => svg('rect', { x: x(s.createdAt) - 2, y: 6, width: 4, height: 32, class: 'snapshot' }, svg('title', {}, `snapshot ${s.name}`))));
  picture.addEventListener('click', (event) => {
    const box = picture.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, ((event.clientX - box.left) / box.width * width - 10) / (width - 20)));
    onPick(Math.round(earliest + fraction * span));
  });
  return h('div', { className: 'timeline-frame' }, picture,
    h('div', { className: 'bar spread muted' }, h('span', {}, formatTime(earliest)), h('span', {}, formatTime(latest))));
}

function pointInTime(context, view, snapshots) {
  const window = view.restorableWindow;
  if (!window) {
    return h('p', { className: 'muted' }, view.backupRetentionEnabled
      ? 'No restorable time yet: the first automatic backup is still to be taken.'
      : 'Backup retention is off (Networking & settings): there is no point-in-time restore.');
  }
  // Whole seconds inside the window (its ends may fall between two).
  const first = Math.ceil(window.earliest);
  const last = Math.floor(window.latest);
  const when = field('Restore time (UTC, to the second)', {
    type: 'datetime-local', step: 1, min: utcInputValue(first), max: utcInputValue(Math.max(first, last)), value: utcInputValue(Math.max(first, last)),
  });
  const latest = checkbox('Use the latest restorable time instead', true);
  when.control.disabled = true;
  latest.control.addEventListener('change', () => {
    when.control.disabled = latest.control.checked;
  });
  const pick = (seconds) => {
    latest.control.checked = false;
    when.control.disabled = false;
    when.control.value = utcInputValue(seconds);
  };
  const restore = async () => {
    const name = field('New database name', { required: true, value: `${context.db.name}-pitr-${stamp()}`.slice(0, 255) });
    const bundle = await bundleField(context, 'Bundle of the new database');
    const chosen = latest.control.checked ? undefined : fromUtcInput(when.control.value);
    await confirmThenRun(context, {
      title: `Restore ${context.db.name} to ${chosen === undefined ? 'its latest restorable time' : formatTime(chosen)}?`,
      body: [h('p', {}, 'A new database is created with the data as it was then; this one is not touched.'), name.node, bundle.node],
      confirmLabel: 'Restore',
      validate: () => {
        if (latest.control.checked) return undefined;
        if (chosen === undefined) return 'Choose a restore time, or the latest restorable time.';
        if (chosen < first || chosen > last) return `Choose a time from ${formatTime(first)} to ${formatTime(last)}, or the latest restorable time.`;
        return undefined;
      },
      label: `Point-in-time restore of ${context.db.name}`,
      operation: 'CreateRelationalDatabaseFromSnapshot',
      input: () => ({
        relationalDatabaseName: name.control.value.trim(),
        sourceRelationalDatabaseName: context.db.name,
        relationalDatabaseBundleId: bundle.control.value,
        ...(chosen === undefined ? { useLatestRestorableTime: true } : { restoreTime: chosen }),
      }),
    });
  };
  return h('div', {},
    timeline(window, view.automaticBackups ?? [], snapshots, pick),
    h('div', { className: 'bar' }, latest.node, when.node, button('Restore to this time…', restore)));
}

export const backupsTab = {
  id: 'backups',
  label: 'Snapshots & backups',
  open(panel, context) {
    const name = context.db.name;
    const snapshotsNode = h('div');
    const backupsNode = h('div');
    let snapshots = [];
    const take = () => {
      const snapshotName = field('Snapshot name', { required: true, value: `${name}-${stamp()}` });
      return confirmThenRun(context, {
        title: `Snapshot ${name}?`,
        body: [h('p', {}, 'A consistent online copy; the database shows backing-up meanwhile.'), snapshotName.node],
        confirmLabel: 'Take snapshot',
        label: `Snapshot of ${name}`,
        operation: 'CreateRelationalDatabaseSnapshot',
        input: () => ({ relationalDatabaseName: name, relationalDatabaseSnapshotName: snapshotName.control.value.trim() }),
      }).then(reload);
    };
    async function loadSnapshots() {
      const all = await loadInto(snapshotsNode, 'Could not list the snapshots (GetRelationalDatabaseSnapshots)', () =>
        context.client.all('GetRelationalDatabaseSnapshots', {}, 'relationalDatabaseSnapshots'));
      if (!all) return;
      snapshots = all.filter((snapshot) => snapshot.fromRelationalDatabaseName === name).sort((a, b) => b.createdAt - a.createdAt);
      snapshotsNode.replaceChildren(table([
        ['Name', (s) => s.name],
        ['State', (s) => s.state],
        ['Engine', (s) => `${s.engine ?? ''} ${s.engineVersion ?? ''}`.trim()],
        ['Size (GB)', (s) => s.sizeInGb],
        ['Created', (s) => formatTime(s.createdAt)],
        ['', (s) => (s.state === 'available' ? snapshotActions(context, s, reload) : '')],
      ], snapshots, 'No snapshots of this database.'));
    }
    async function loadBackups() {
      const answer = await loadInto(backupsNode, 'Could not read the automatic backups (berth:GetRelationalDatabaseBackups)', () =>
        context.client.call(BACKUPS_OPERATION, { relationalDatabaseName: name }));
      if (!answer) return;
      const view = answer.backups;
      backupsNode.replaceChildren(
        summaryList([
          ['Backup retention', view.backupRetentionEnabled ? 'on' : 'off'],
          ['Restorable window', view.restorableWindow ? `${formatTime(view.restorableWindow.earliest)} → ${formatTime(view.restorableWindow.latest)}` : 'none'],
        ]),
        h('h4', {}, 'Point-in-time restore'),
        pointInTime(context, view, snapshots),
        h('h4', {}, 'Automatic backups'),
        table([
          ['Consistent at', (b) => formatTime(b.consistentAt)],
          ['Taken', (b) => formatTime(b.createdAt)],
          ['Size', (b) => formatBytes(b.sizeInBytes)],
        ], [...(view.automaticBackups ?? [])].reverse(), 'No automatic backups yet.'),
      );
    }
    async function reload() {
      await loadSnapshots();
      await loadBackups();
    }
    panel.append(
      headingBar('Snapshots', button('Take snapshot…', take), button('Refresh', reload)),
      snapshotsNode,
      h('h3', {}, 'Automatic backups and point-in-time restore'),
      backupsNode,
    );
    void reload();
    return {};
  },
};
