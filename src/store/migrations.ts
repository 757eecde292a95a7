/**
 * Schema migrations, applied in order, each exactly once. Never edit a
 * migration that has shipped: append a new one.
 *
 * Timestamps are epoch seconds (REAL, millisecond precision), as on the wire.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE databases (
    id                            TEXT PRIMARY KEY,
    account_id                    TEXT NOT NULL,
    region                        TEXT NOT NULL,
    name                          TEXT NOT NULL,
    arn                           TEXT NOT NULL,
    support_code                  TEXT NOT NULL,
    created_at                    REAL NOT NULL,
    availability_zone             TEXT NOT NULL,
    secondary_availability_zone   TEXT,
    blueprint_id                  TEXT NOT NULL,
    bundle_id                     TEXT NOT NULL,
    engine                        TEXT NOT NULL,
    engine_version                TEXT NOT NULL,
    master_database_name          TEXT NOT NULL,
    master_username               TEXT NOT NULL,
    state                         TEXT NOT NULL,
    backup_retention_enabled      INTEGER NOT NULL,
    preferred_backup_window       TEXT NOT NULL,
    preferred_maintenance_window  TEXT NOT NULL,
    publicly_accessible           INTEGER NOT NULL,
    ca_certificate_identifier     TEXT NOT NULL,
    parameter_apply_status        TEXT NOT NULL DEFAULT 'in-sync',
    port                          INTEGER NOT NULL UNIQUE,
    desired_running               INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, region, name)
  );

  CREATE TABLE master_passwords (
    database_id  TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    version      TEXT NOT NULL CHECK (version IN ('CURRENT', 'PREVIOUS', 'PENDING')),
    ciphertext   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    PRIMARY KEY (database_id, version)
  );

  -- The server certificate each database serves, issued by its CA.
  CREATE TABLE server_certificates (
    database_id                TEXT PRIMARY KEY REFERENCES databases(id) ON DELETE CASCADE,
    ca_certificate_identifier  TEXT NOT NULL,
    certificate_pem            TEXT NOT NULL,
    key_ciphertext             TEXT NOT NULL,
    not_after                  REAL NOT NULL
  );

  CREATE TABLE tags (
    resource_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT,
    position     INTEGER NOT NULL,
    PRIMARY KEY (resource_id, key)
  );

  CREATE TABLE operations (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT NOT NULL UNIQUE,
    account_id         TEXT NOT NULL,
    region             TEXT NOT NULL,
    resource_name      TEXT NOT NULL,
    resource_type      TEXT NOT NULL,
    operation_type     TEXT NOT NULL,
    operation_details  TEXT,
    availability_zone  TEXT NOT NULL,
    status             TEXT NOT NULL,
    is_terminal        INTEGER NOT NULL,
    created_at         REAL NOT NULL,
    status_changed_at  REAL NOT NULL,
    error_code         TEXT,
    error_details      TEXT
  );
  CREATE INDEX operations_by_scope ON operations (account_id, region, seq);
  CREATE INDEX operations_by_resource ON operations (account_id, region, resource_name, seq);

  -- The control loop's durable work queue: a task is the intent behind one or
  -- more Started operations; it is removed when they reach a terminal status.
  CREATE TABLE tasks (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    database_id    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL DEFAULT '{}',
    operation_ids  TEXT NOT NULL DEFAULT '[]',
    created_at     REAL NOT NULL
  );

  CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    database_id  TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    region       TEXT NOT NULL,
    resource     TEXT NOT NULL,
    created_at   REAL NOT NULL,
    message      TEXT NOT NULL,
    categories   TEXT NOT NULL
  );
  CREATE INDEX events_by_database ON events (database_id, created_at);
  `,
  `
  -- Changes deferred to the maintenance window (JSON: caCertificateIdentifier, backupRetentionEnabled).
  ALTER TABLE databases ADD COLUMN pending_changes TEXT NOT NULL DEFAULT '{}';
  `,
  `
  CREATE TABLE snapshots (
    id                                TEXT PRIMARY KEY,
    account_id                        TEXT NOT NULL,
    region                            TEXT NOT NULL,
    name                              TEXT NOT NULL,
    arn                               TEXT NOT NULL,
    support_code                      TEXT NOT NULL,
    created_at                        REAL NOT NULL,
    state                             TEXT NOT NULL,
    engine                            TEXT NOT NULL,
    engine_version                    TEXT NOT NULL,
    size_bytes                        INTEGER,
    size_in_gb                        INTEGER NOT NULL,
    from_database_id                  TEXT NOT NULL,
    from_database_name                TEXT NOT NULL,
    from_database_arn                 TEXT NOT NULL,
    from_bundle_id                    TEXT NOT NULL,
    from_blueprint_id                 TEXT NOT NULL,
    from_availability_zone            TEXT NOT NULL,
    master_username                   TEXT NOT NULL,
    master_database_name              TEXT NOT NULL,
    master_password_ciphertext        TEXT NOT NULL,
    UNIQUE (account_id, region, name)
  );

  -- Automatic (daily) backups of databases with backup retention: the bases of point-in-time restores.
  CREATE TABLE automatic_backups (
    id             TEXT PRIMARY KEY,
    database_id    TEXT NOT NULL,
    created_at     REAL NOT NULL,
    consistent_at  REAL NOT NULL,
    size_bytes     INTEGER NOT NULL
  );
  CREATE INDEX automatic_backups_by_database ON automatic_backups (database_id, consistent_at);

  -- The newest moment a point-in-time restore can reach (NULL without retention or archive yet).
  ALTER TABLE databases ADD COLUMN latest_restorable_time REAL;
  `,
  `
  -- One row per database, metric and minute (the sampler's figures, kept 14 days).
  CREATE TABLE metric_samples (
    database_id  TEXT NOT NULL,
    metric       TEXT NOT NULL,
    at           REAL NOT NULL,
    value        REAL NOT NULL
  );
  CREATE INDEX metric_samples_by_database ON metric_samples (database_id, metric, at);
  `,
  `
  -- A database is served by instances: one, or a primary and a standby (HA bundles).
  -- Each has its own zone, port, data dir (databases/<instance id>) and certificate.
  CREATE TABLE instances (
    id                 TEXT PRIMARY KEY,
    database_id        TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    availability_zone  TEXT NOT NULL,
    port               INTEGER NOT NULL,
    state              TEXT NOT NULL,
    created_at         REAL NOT NULL
  );
  CREATE INDEX instances_by_database ON instances (database_id);
  -- Until now each database was one server whose data dir carried the database's id.
  INSERT INTO instances (id, database_id, availability_zone, port, state, created_at)
    SELECT id, id, availability_zone, port, CASE desired_running WHEN 1 THEN 'running' ELSE 'stopped' END, created_at FROM databases;

  -- Which instance is the primary, with a generation that grows at every change.
  CREATE TABLE primaries (
    database_id             TEXT PRIMARY KEY REFERENCES databases(id) ON DELETE CASCADE,
    instance_id             TEXT NOT NULL,
    generation              INTEGER NOT NULL,
    synchronous_standby_id  TEXT,
    changed_at              REAL NOT NULL
  );
  INSERT INTO primaries (database_id, instance_id, generation, synchronous_standby_id, changed_at)
    SELECT id, id, 1, NULL, created_at FROM databases;

  -- Server certificates belong to instances now.
  CREATE TABLE instance_certificates (
    instance_id                TEXT PRIMARY KEY REFERENCES instances(id) ON DELETE CASCADE,
    ca_certificate_identifier  TEXT NOT NULL,
    certificate_pem            TEXT NOT NULL,
    key_ciphertext             TEXT NOT NULL,
    not_after                  REAL NOT NULL
  );
  INSERT INTO instance_certificates SELECT database_id, ca_certificate_identifier, certificate_pem, key_ciphertext, not_after
    FROM server_certificates;
  DROP TABLE server_certificates;

  -- Secrets of a database that are not the master user's: the replication account's password.
  CREATE TABLE database_secrets (
    database_id  TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    ciphertext   TEXT NOT NULL,
    PRIMARY KEY (database_id, name)
  );

  -- The instance an automatic backup was taken from (a standby's, for HA): whose archive a restore replays.
  ALTER TABLE automatic_backups ADD COLUMN instance_id TEXT;
  UPDATE automatic_backups SET instance_id = database_id;
  `,
  `
  -- Users of the API besides the root key: each with a policy and its own access keys.
  CREATE TABLE users (
    name         TEXT PRIMARY KEY,
    policy_json  TEXT,
    created_at   REAL NOT NULL
  );
  CREATE TABLE access_keys (
    access_key_id      TEXT PRIMARY KEY,
    user_name          TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    secret_ciphertext  TEXT NOT NULL,
    created_at         REAL NOT NULL
  );
  CREATE INDEX access_keys_by_user ON access_keys (user_name);

  -- Who did what: every mutating call and every refused one. Never a secret or a body.
  CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             REAL NOT NULL,
    user_name      TEXT NOT NULL,
    access_key_id  TEXT NOT NULL,
    source_ip      TEXT NOT NULL,
    operation      TEXT NOT NULL,
    resource       TEXT,
    region         TEXT,
    status         INTEGER NOT NULL,
    error_type     TEXT,
    request_id     TEXT NOT NULL
  );
  CREATE INDEX audit_events_by_time ON audit_events (at);
  `,
];
