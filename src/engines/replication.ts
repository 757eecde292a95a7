/**
 * High availability, the third part of the engine contract: a hot standby
 * that streams from its primary over TLS verified against berth's CAs, with a
 * replication account of its own; commits acknowledged only once the standby
 * has them (synchronous), or not (the primary alone, degraded); promotion;
 * fencing.
 *
 * Every method is idempotent, like the rest of the contract: berth may call it
 * again after a crash at any point.
 */
import type { InstanceSpec, TlsMaterial } from './driver.js';

/** How a standby reaches its primary. */
export interface ReplicationLink {
  /** Host name the standby connects to and verifies in the primary's certificate. */
  host: string;
  port: number;
  /** The password of the engine's replication account (never the master user's). */
  password: string;
  /** The CAs the primary's certificate is verified against. */
  caPem: string;
}

/** What the primary knows of one standby. */
export interface StandbyState {
  /** Connected, caught up with what was sent, and streaming. */
  streaming: boolean;
  /** Commits on the primary wait for this standby's acknowledgement. */
  synchronous: boolean;
  /** Bytes of changes the standby has not made durable yet (0 when caught up; undefined when not connected). */
  lagBytes: number | undefined;
  /** Seconds the standby's applied state is behind, as the engine tells it (undefined when it does not). */
  lagSeconds: number | undefined;
}

export interface EngineReplication {
  /**
   * Build `standby` as a hot standby of the running `primary`: the replication
   * account on the primary (with `link.password`), an online copy of the data
   * (the primary keeps serving), the standby's own configuration, port and
   * `tls`, started; resolves once it streams. A half-built standby from a
   * crash is started over.
   */
  buildStandby(primary: InstanceSpec, standby: InstanceSpec, tls: TlsMaterial, link: ReplicationLink): Promise<void>;

  /**
   * Point an existing standby at `primary` again (a restart that lost its
   * connection, a primary whose port moved). Starts it when stopped.
   */
  followPrimary(standby: InstanceSpec, primary: InstanceSpec, link: ReplicationLink): Promise<void>;

  /**
   * Commits on `primary` wait for `standby` from now on (undefined: for no
   * standby: the primary goes on alone). Resolves once the engine applies it;
   * with a standby, once that standby is the synchronous one.
   */
  setSynchronousStandby(primary: InstanceSpec, standby: InstanceSpec | undefined): Promise<void>;

  /** How `standby` replicates from `primary` (what the primary knows of it, and what it knows of itself). */
  standbyState(primary: InstanceSpec, standby: InstanceSpec): Promise<StandbyState>;

  /** Forget standbys other than `keep` on the primary (their slots, their acknowledgement). */
  forgetStandbys(primary: InstanceSpec, keep: string | undefined): Promise<void>;

  /** A trivial query over berth's own connection, answered within `timeoutMs`, or an error. */
  probe(spec: InstanceSpec, timeoutMs: number): Promise<void>;

  /** True when the running server is a standby (read-only, replicating or waiting to). */
  isStandby(spec: InstanceSpec): Promise<boolean>;

  /**
   * Turn the running standby into a primary that accepts writes, on its
   * current port, keeping everything it received; its replication settings
   * are removed so that a restart keeps it a primary.
   */
  promote(standby: InstanceSpec): Promise<void>;

  /**
   * Kill the server and every process it started at once, even a stopped
   * (SIGSTOP) one, with no shutdown: afterwards nothing of it accepts a
   * connection or a write. Its files stay for discardInstance().
   */
  fence(spec: InstanceSpec): Promise<void>;
}
