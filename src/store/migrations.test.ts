/**
 * A data dir of the berth before high availability (schema 4: one server
 * per database) opened by this one: every database becomes one instance
 * (id = the database's), the primary of generation 1, its certificate
 * the instance's, its automatic backups taken from that instance.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './database.js';
import { MIGRATIONS } from './migrations.js';

const BEFORE_HIGH_AVAILABILITY = 4;

describe('store migrations', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-store-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('turns each database of schema 4 into one primary instance with its certificate and backups', () => {
    const file = path.join(dir, 'berth.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)');
    for (const [index, sql] of MIGRATIONS.slice(0, BEFORE_HIGH_AVAILABILITY).entries()) {
      old.exec(sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(index + 1, 1);
    }
    const insert = old.prepare(
      `INSERT INTO databases (id, account_id, region, name, arn, support_code, created_at, availability_zone, blueprint_id, bundle_id,
         engine, engine_version, master_database_name, master_username, state, backup_retention_enabled, preferred_backup_window,
         preferred_maintenance_window, publicly_accessible, ca_certificate_identifier, port, desired_running)
       VALUES (?, 'acct', 'us-east-1', ?, 'arn', 'code', 100, 'us-east-1c', 'postgres_17', 'micro_2_0', 'postgres', '17', 'app', 'owner',
         ?, 1, '06:00-06:30', 'tue:04:30-tue:05:00', 0, 'rds-ca-rsa2048-g1', ?, ?)`,
    );
    insert.run('db-running', 'one', 'available', 40001, 1);
    insert.run('db-stopped', 'two', 'stopped', 40002, 0);
    old.prepare("INSERT INTO server_certificates VALUES ('db-running', 'rds-ca-rsa2048-g1', 'PEM', 'sealed', 999)").run();
    old.prepare("INSERT INTO automatic_backups VALUES ('b1', 'db-running', 10, 9, 123)").run();
    old.close();

    const db = openStore(file);
    try {
      expect(db.prepare('SELECT id, database_id, availability_zone, port, state FROM instances ORDER BY id').all()).toEqual([
        { id: 'db-running', database_id: 'db-running', availability_zone: 'us-east-1c', port: 40001, state: 'running' },
        { id: 'db-stopped', database_id: 'db-stopped', availability_zone: 'us-east-1c', port: 40002, state: 'stopped' },
      ]);
      expect(db.prepare('SELECT database_id, instance_id, generation, synchronous_standby_id FROM primaries ORDER BY database_id').all()).toEqual([
        { database_id: 'db-running', instance_id: 'db-running', generation: 1, synchronous_standby_id: null },
        { database_id: 'db-stopped', instance_id: 'db-stopped', generation: 1, synchronous_standby_id: null },
      ]);
      expect(db.prepare('SELECT instance_id, certificate_pem FROM instance_certificates').all()).toEqual([{ instance_id: 'db-running', certificate_pem: 'PEM' }]);
      expect(db.prepare('SELECT id, instance_id FROM automatic_backups').all()).toEqual([{ id: 'b1', instance_id: 'db-running' }]);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'server_certificates'").all()).toEqual([]);
      expect((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });
});
