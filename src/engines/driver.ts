/**
 * The contract every database engine implements (PostgreSQL, MariaDB), for
 * one instance at a time: a database has one instance, or two (a primary and
 * a standby) when its bundle is highly available. Services never spawn
 * processes: they ask the control loop, which drives an EngineDriver.
 *
 * Every method is idempotent: calling it again after a crash at any point
 * (half-copied data dir, process already running, user already created)
 * converges to the same result. That is what lets berth resume operations
 * after kill -9.
 */

import type { EngineBackups } from './backup.js';
import type { EngineObservability } from './observability.js';
import type { EngineReplication } from './replication.js';

export type EngineName = 'postgres' | 'mysql';

export interface EngineBlueprint {
  /** Lightsail blueprint id, e.g. `postgres_16`. */
  blueprintId: string;
  engine: EngineName;
  /** The real server version, e.g. `16.14`. */
  engineVersion: string;
  engineDescription: string;
  engineVersionDescription: string;
  isEngineDefault: boolean;
}

/** PEM material a server needs for TLS. */
export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** The issuing CA certificate (served to clients, not required by the server). */
  caPem: string;
}

/** Everything a driver needs to know about one instance (one server of a database). */
export interface InstanceSpec {
  /** Stable internal id (safe for paths: [a-z0-9-]). */
  id: string;
  blueprintId: string;
  /** Root directory owned by the driver for this instance; created by provision(). */
  dataDir: string;
  /** TCP port the server listens on. */
  port: number;
  /** false: listen on loopback only; true: also on `publicListenAddresses`. */
  publiclyAccessible: boolean;
  /**
   * Where a publicly accessible server listens besides loopback; `*` (the
   * default when absent) means every interface.
   */
  publicListenAddresses?: readonly string[];
  /** Hardware of the bundle, applied to the engine's memory settings. */
  ramSizeInGb: number;
  cpuCount: number;
  masterUsername: string;
  masterDatabaseName: string;
}

export interface RunningState {
  running: boolean;
  /** Process id of the server (postmaster / mariadbd) when running. */
  pid?: number;
}

export interface VerifyOptions {
  /** Host name to connect to and to verify in the certificate. */
  host: string;
  /** CA bundle (PEM) to verify the server certificate against. */
  caPem: string;
  password: string;
  /**
   * Also prove that the server takes writes: a transaction that commits a
   * write of its own, leaving nothing in the user's data (a standby refuses it).
   */
  writable?: boolean;
}

/** One database engine: instances, TLS, passwords (here), backups, what it tells about itself, high availability. */
export interface EngineDriver extends EngineBackups, EngineObservability, EngineReplication {
  readonly engine: EngineName;

  /** The blueprints this machine can run (binaries found). Empty when none. */
  blueprints(): EngineBlueprint[];

  /**
   * Get a blueprint ready ahead of the first create (binaries installed,
   * template initialised), so that creates stay fast. Safe to call repeatedly.
   */
  warm(blueprintId: string): Promise<void>;

  /**
   * Create the instance's data dir (from a pre-initialised template, never a
   * fresh initdb per create), write its configuration and TLS files. No-op for
   * the parts that already exist; configuration and TLS files are rewritten.
   */
  provision(spec: InstanceSpec, tls: TlsMaterial): Promise<void>;

  /** Start the server and resolve once it accepts connections. No-op when running. */
  start(spec: InstanceSpec): Promise<RunningState>;

  /** Stop the server (fast shutdown, escalating). No-op when stopped. */
  stop(spec: InstanceSpec): Promise<void>;

  /** Is the server of this instance running (re-adopts a server berth did not start)? */
  status(spec: InstanceSpec): Promise<RunningState>;

  /**
   * Create the master user (or reset its password) and the master database.
   * The password is never logged by berth nor by the engine.
   */
  ensureMasterUser(spec: InstanceSpec, password: string): Promise<void>;

  /** Change the master user's password on the running engine. */
  setMasterPassword(spec: InstanceSpec, password: string): Promise<void>;

  /** Write new TLS files and make the running server use them without a restart. */
  reloadTls(spec: InstanceSpec, tls: TlsMaterial): Promise<void>;

  /**
   * Open a real connection as the master user over TLS, verifying the server
   * certificate against `caPem` and `host` (sslmode=verify-full), run a query,
   * close. Throws with the reason when it fails.
   */
  verifyConnection(spec: InstanceSpec, options: VerifyOptions): Promise<void>;

  /**
   * Settings written by provision() that the running server can only apply
   * by restarting (listen addresses after a publiclyAccessible change...).
   * Empty when there are none or the server is not running.
   */
  pendingRestart(spec: InstanceSpec): Promise<string[]>;

  /** Stop the server and remove the data dir. No-op when already gone. */
  destroy(spec: InstanceSpec): Promise<void>;
}
