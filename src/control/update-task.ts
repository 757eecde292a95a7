import type { UpdatePlan } from '../domain/tasks.js';
import type { DatabaseRecord } from '../store/databases.js';
import type { Instances } from './instances.js';
import type { TaskHandler } from './tasks.js';

/** Sets the PENDING password on the primary (a standby replicates it), then makes it CURRENT. */
async function applyPassword(instances: Instances, database: DatabaseRecord): Promise<void> {
  const pending = instances.pendingPassword(database);
  if (pending === undefined) return; // already applied before a crash
  await instances.driver(database).setMasterPassword(instances.spec(database), pending);
  instances.promotePassword(database);
}

/**
 * Re-issues the server certificate of every instance under another CA and
 * has each engine reload it (the standby first): no restart, open
 * connections stay. Done once a fresh connection to the endpoint verifies
 * against the new CA.
 */
async function rotateCertificate(instances: Instances, database: DatabaseRecord, identifier: string): Promise<DatabaseRecord> {
  if (database.caCertificateIdentifier === identifier) return database;
  for (const instance of instances.serving(database).reverse()) {
    const tls = await instances.issue(database, instance, identifier);
    await instances.driver(database).reloadTls(instances.spec(database, instance), tls);
  }
  await instances.verify(database, identifier);
  return instances.record(
    database,
    { caCertificateIdentifier: identifier },
    { message: `The server certificate was rotated to one issued by ${identifier}`, categories: ['security', 'configuration change'] },
  );
}

/** Rewrites the endpoint's listen addresses and restarts the primary when it needs to (a standby listens on loopback only). */
async function applyPublicAccess(instances: Instances, database: DatabaseRecord, publiclyAccessible: boolean): Promise<DatabaseRecord> {
  const target = { ...database, publiclyAccessible };
  const driver = instances.driver(target);
  const primary = instances.primary(target);
  const spec = instances.spec(target, primary);
  await driver.provision(spec, await instances.tls(target, primary));
  if ((await driver.pendingRestart(spec)).length > 0) await instances.restart(target, primary);
  await instances.verify(target);
  return instances.record(
    database,
    { publiclyAccessible },
    { message: publiclyAccessible ? 'Public access was turned on' : 'Public access was turned off', categories: ['configuration change'] },
  );
}

/**
 * Records the new setting, then starts or stops continuous archiving; turning
 * retention off deletes the automatic backups and the archive. The first
 * automatic backup is taken by the backup scheduler.
 */
async function applyBackupRetention(instances: Instances, database: DatabaseRecord, enabled: boolean): Promise<DatabaseRecord> {
  const updated =
    database.backupRetentionEnabled === enabled
      ? database // recorded before a crash: make the engine match again
      : instances.record(
          database,
          { backupRetentionEnabled: enabled },
          {
            message: enabled ? 'Automated backup retention was enabled' : 'Automated backup retention was disabled',
            categories: ['backup', 'configuration change'],
          },
        );
  await instances.backups.applyRetention(updated);
  return updated;
}

export const update: TaskHandler<'update'> = {
  action: 'update',
  async run({ instances }, database, task) {
    const plan: UpdatePlan = task.payload;
    let current = database;
    if (plan.password) await applyPassword(instances, current);
    if (plan.caCertificateIdentifier !== undefined) current = await rotateCertificate(instances, current, plan.caCertificateIdentifier);
    if (plan.publiclyAccessible !== undefined && plan.publiclyAccessible !== current.publiclyAccessible) {
      current = await applyPublicAccess(instances, current, plan.publiclyAccessible);
    }
    if (plan.backupRetentionEnabled !== undefined) current = await applyBackupRetention(instances, current, plan.backupRetentionEnabled);
    const events = [];
    if (plan.maintenance) events.push({ message: 'Pending maintenance was applied', categories: ['maintenance'] });
    const pendingChanges = { ...current.pendingChanges };
    if (plan.maintenance) {
      if (pendingChanges.caCertificateIdentifier === plan.caCertificateIdentifier) delete pendingChanges.caCertificateIdentifier;
      if (pendingChanges.backupRetentionEnabled === plan.backupRetentionEnabled) delete pendingChanges.backupRetentionEnabled;
    }
    return { changes: { pendingChanges }, events };
  },
  async afterFailure({ instances }, database) {
    // The change failed: the password the caller asked for is not pending any more.
    instances.discardPendingPassword(database);
  },
  failureEvent: 'The update of the database failed',
};
