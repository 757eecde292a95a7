/**
 * Who decides which instance of a database is its primary. One interface,
 * so that when berth runs on several hosts a lease in an existing
 * coordination service (etcd, or the shared metadata database) can take the
 * decision over; on one machine the record lives in berth's own store.
 *
 * Every change is a compare-and-set on the record's generation and is
 * persisted before berth acts on it.
 */
import type { PrimaryRecord } from '../../store/primaries.js';
import type { Store } from '../../store/index.js';

export type { PrimaryRecord };

export interface PrimaryElection {
  current(databaseId: string): PrimaryRecord | undefined;
  /** The first primary of a new database. */
  establish(databaseId: string, instanceId: string): PrimaryRecord;
  /** Names `instanceId` primary if the record is still at `generation`; undefined when it moved on meanwhile. */
  elect(databaseId: string, generation: number, instanceId: string): PrimaryRecord | undefined;
  /** Which standby commits wait for (null: the primary runs alone), if the record is still at `generation`. */
  setSynchronousStandby(databaseId: string, generation: number, standbyId: string | null): boolean;
}

/** The decision in berth's own store: it can take part in the store's transactions. */
export class StorePrimaryElection implements PrimaryElection {
  constructor(private readonly store: Store) {}

  current(databaseId: string): PrimaryRecord | undefined {
    return this.store.primaries.get(databaseId);
  }

  establish(databaseId: string, instanceId: string): PrimaryRecord {
    return this.store.primaries.create(databaseId, instanceId);
  }

  elect(databaseId: string, generation: number, instanceId: string): PrimaryRecord | undefined {
    return this.store.primaries.elect(databaseId, generation, instanceId);
  }

  setSynchronousStandby(databaseId: string, generation: number, standbyId: string | null): boolean {
    return this.store.primaries.setSynchronousStandby(databaseId, generation, standbyId);
  }
}
