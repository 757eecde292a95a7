import type { DatabaseRecord } from '../store/databases.js';
import type { Instances } from './instances.js';
import type { TaskHandler } from './tasks.js';

/** The engine work of one UpdateRelationalDatabase (or of a maintenance window). */
export interface UpdatePlan {
  /** A PENDING master password waits in the store. */
  password?: boolean;
  caCertificateIdentifier?: string;
  publiclyAccessible?: boolean;
  backupRetentionEnabled?: boolean;
  /** Applied by the maintenance window: clear what it applied from the pending changes. */
  maintenance?: boolean;
}

/** Sets the PENDING password on the engine, then makes it CURRENT. */
async function applyPassword(instances: Instances, database: DatabaseRecord): Promise<void> {
  const pending = instances.pendingPassword(database);
  if (pending === undefined) return; // already applied before a crash
  await instances.driver(database).setMasterPassword(instances.spec(database), pending);
  instances.promotePassword(database);
}

/**
 * Re-issues the server certificate under another CA and has the engine
 * reload it: no restart, open connections stay. Done once a fresh
 * connection verifies against the new CA.
 */
async function rotateCertificate(instances: Instances, database: DatabaseRecord, identifier: string): Promise<DatabaseRecord> {
  if (database.caCertificateIdentifier === identifier) return database;
  const tls = await instances.issue(database, identifier);
  await instances.driver(database).reloadTls(instances.spec(database), tls);
  await instances.verify(database, identifier);
  return instances.record(
    database,
    { caCertificateIdentifier: identifier },
    { message: `The server certificate was rotated to one issued by ${identifier}`, categories: ['security', 'configuration change'] },
  );
}

/** Rewrites the listen addresses and restarts the engine when it needs to. */
async function applyPublicAccess(instances: Instances, database: DatabaseRecord, publiclyAccessible: boolean): Promise<DatabaseRecord> {
  const target = { ...database, publiclyAccessible };
  const driver = instances.driver(target);
  const spec = instances.spec(target);
  await driver.provision(spec, await instances.tls(target));
  if ((await driver.pendingRestart(spec)).length > 0) {
    await driver.stop(spec);
    await driver.start(spec);
  }
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

export const update: TaskHandler = {
  async run(instances, database, task) {
    const plan = task.payload as UpdatePlan;
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
    return {
      changes: { state: 'available', pendingChanges },
      events,
    };
  },
  async afterFailure(instances, database) {
    // The change failed: the password the caller asked for is not pending any more.
    instances.discardPendingPassword(database);
    const status = await instances.driver(database).status(instances.spec(database));
    return status.running ? 'available' : 'failed';
  },
  failureEvent: 'The update of the database failed',
};
