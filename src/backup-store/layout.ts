/**
 * Where things live in a backup store. Everything but `berth-store.json` is
 * sealed (sealing.ts); a store can be read with nothing but itself and the
 * backup key:
 *
 *   berth-store.json                                  format, and a sealed probe that tells a wrong key at once
 *   catalog/certificate-authorities.json              berth's CAs (certificate-authorities.ts)
 *   catalog/<region>/snapshots/<snapshot id>.json     a snapshot: its record, tags and files (written last)
 *   catalog/<region>/databases/<database id>.json     a database: what recovering it needs
 *   catalog/<region>/databases/<database id>/backups/<backup id>.json
 *                                                     an automatic backup: its record and files (written last)
 *   catalog/<region>/databases/<database id>/archive.json
 *                                                     up to when the archive in the store reaches
 *   data/snapshots/<snapshot id>/<path>               the files of a snapshot, as the engine wrote them
 *   data/backups/<database id>/<backup id>/<path>     the files of an automatic backup
 *   data/archive/<database id>/<path>                 the continuous archive (WAL, binary logs) with its .sha256 files
 *
 * A backup's files go first and its catalog entry last, so an interrupted
 * upload never looks like a complete backup; deleting goes the other way.
 */

export const STORE_FILE = 'berth-store.json';

const CATALOG = 'catalog';
const DATA = 'data';

export const storeLayout = {
  catalogRoot: `${CATALOG}/`,
  snapshotEntry: (region: string, snapshotId: string) => `${CATALOG}/${region}/snapshots/${snapshotId}.json`,
  databaseEntry: (region: string, databaseId: string) => `${CATALOG}/${region}/databases/${databaseId}.json`,
  backupsOf: (region: string, databaseId: string) => `${CATALOG}/${region}/databases/${databaseId}/backups/`,
  backupEntry: (region: string, databaseId: string, backupId: string) => `${CATALOG}/${region}/databases/${databaseId}/backups/${backupId}.json`,
  archiveEntry: (region: string, databaseId: string) => `${CATALOG}/${region}/databases/${databaseId}/archive.json`,
  snapshotData: (snapshotId: string) => `${DATA}/snapshots/${snapshotId}/`,
  backupsData: (databaseId: string) => `${DATA}/backups/${databaseId}/`,
  backupData: (databaseId: string, backupId: string) => `${DATA}/backups/${databaseId}/${backupId}/`,
  archiveData: (databaseId: string) => `${DATA}/archive/${databaseId}/`,
};

/** What a catalog key names, or undefined for any other key. */
export type CatalogKey =
  | { kind: 'snapshot'; region: string; snapshotId: string }
  | { kind: 'database'; region: string; databaseId: string }
  | { kind: 'backup'; region: string; databaseId: string; backupId: string }
  | { kind: 'archive'; region: string; databaseId: string };

const ID = '[A-Za-z0-9-]+';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => CatalogKey]> = [
  [new RegExp(`^${CATALOG}/(${ID})/snapshots/(${ID})\\.json$`), (m) => ({ kind: 'snapshot', region: m[1]!, snapshotId: m[2]! })],
  [new RegExp(`^${CATALOG}/(${ID})/databases/(${ID})\\.json$`), (m) => ({ kind: 'database', region: m[1]!, databaseId: m[2]! })],
  [
    new RegExp(`^${CATALOG}/(${ID})/databases/(${ID})/backups/(${ID})\\.json$`),
    (m) => ({ kind: 'backup', region: m[1]!, databaseId: m[2]!, backupId: m[3]! }),
  ],
  [new RegExp(`^${CATALOG}/(${ID})/databases/(${ID})/archive\\.json$`), (m) => ({ kind: 'archive', region: m[1]!, databaseId: m[2]! })],
];

export function parseCatalogKey(key: string): CatalogKey | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(key);
    if (match) return build(match);
  }
  return undefined;
}
