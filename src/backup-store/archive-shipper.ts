/**
 * The continuous archive of each database, shipped to the backup store as
 * the engines complete it. The local archive directory is the spool: a file
 * counts as archived once its `.sha256` exists (archive-files.ts), is then
 * uploaded (the file first, its .sha256 after it), and stays local for fast
 * restores until the engine prunes it. The engine's flush record
 * (berth-flush.json) changes, and is uploaded again whenever it did.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FLUSH_STATE_FILE, SHA256_SUFFIX } from '../engines/archive-files.js';
import { storeLayout } from './layout.js';
import { inLanes } from '../engines/backup-manifest.js';
import { TRANSFER_LANES, type BackupVault } from './vault.js';

interface LocalArchiveFile {
  /** Relative to the archive root, `/`-separated. */
  relative: string;
  size: number;
}

export interface ShipResult {
  files: number;
  bytes: number;
}

export class ArchiveShipper {
  /** Per database: the relative paths known to be in the store (read from it once, then kept). */
  private readonly shipped = new Map<string, Set<string>>();
  /** Per database: the SHA-256 of the flush records last uploaded. */
  private readonly flushRecords = new Map<string, Map<string, string>>();

  constructor(private readonly vault: BackupVault) {}

  /** Uploads what the local archive has and the store lacks; the files first, each .sha256 after its file. */
  async ship(databaseId: string, archiveDir: string): Promise<ShipResult> {
    const prefix = storeLayout.archiveData(databaseId);
    const shipped = await this.shippedOf(databaseId);
    const files = await archiveFilesUnder(archiveDir);
    const pending = complete(files).filter((file) => !shipped.has(file.relative));
    const data = pending.filter((file) => !file.relative.endsWith(SHA256_SUFFIX));
    const checksums = pending.filter((file) => file.relative.endsWith(SHA256_SUFFIX));
    for (const batch of [data, checksums]) {
      await inLanes(batch, TRANSFER_LANES, async (file) => {
        await this.vault.pushFiles(archiveDir, [file.relative], prefix);
        shipped.add(file.relative);
      });
    }
    await this.shipFlushRecords(databaseId, archiveDir, prefix, files.map((file) => file.relative).filter(isFlushRecord));
    return { files: pending.length, bytes: pending.reduce((sum, file) => sum + file.size, 0) };
  }

  /** Bytes of complete archive files the store does not have yet (the spool). */
  async pendingBytes(databaseId: string, archiveDir: string): Promise<number> {
    const shipped = this.shipped.get(databaseId);
    const files = complete(await archiveFilesUnder(archiveDir));
    return files.filter((file) => !shipped?.has(file.relative)).reduce((sum, file) => sum + file.size, 0);
  }

  /** Removes from the store the archive files the engine pruned locally (`relative` paths). */
  async prune(databaseId: string, relativePaths: readonly string[]): Promise<void> {
    const prefix = storeLayout.archiveData(databaseId);
    // The .sha256 files go first: a half-deleted file counts as not archived, never as damaged.
    const ordered = [...relativePaths].sort((a, b) => Number(b.endsWith(SHA256_SUFFIX)) - Number(a.endsWith(SHA256_SUFFIX)));
    await this.vault.delete(ordered.map((relative) => `${prefix}${relative}`));
    const shipped = this.shipped.get(databaseId);
    for (const relative of relativePaths) shipped?.delete(relative);
  }

  /** Deletes the whole archive of a database from the store. */
  async drop(databaseId: string): Promise<void> {
    await this.vault.deletePrefix(storeLayout.archiveData(databaseId));
    this.shipped.delete(databaseId);
    this.flushRecords.delete(databaseId);
  }

  /**
   * Downloads the store's archive of a database into the new directory
   * `targetDir`: every complete file (its .sha256 is there too), checked
   * against the seal; the engine checks each against its .sha256 before use.
   */
  async pull(databaseId: string, targetDir: string): Promise<void> {
    const prefix = storeLayout.archiveData(databaseId);
    const names = new Set((await this.vault.keys(prefix)).map((key) => key.slice(prefix.length)));
    const wanted = [...names].filter((relative) => isComplete(relative, names) || isFlushRecord(relative));
    await fs.mkdir(targetDir, { recursive: true, mode: 0o700 });
    await inLanes(wanted, TRANSFER_LANES, async (relative) => {
      const target = path.join(targetDir, relative);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await this.vault.pullFile(`${prefix}${relative}`, target);
    });
  }

  private async shippedOf(databaseId: string): Promise<Set<string>> {
    let shipped = this.shipped.get(databaseId);
    if (!shipped) {
      const prefix = storeLayout.archiveData(databaseId);
      shipped = new Set((await this.vault.keys(prefix)).map((key) => key.slice(prefix.length)));
      this.shipped.set(databaseId, shipped);
    }
    return shipped;
  }

  private async shipFlushRecords(databaseId: string, archiveDir: string, prefix: string, records: readonly string[]): Promise<void> {
    const known = this.flushRecords.get(databaseId) ?? new Map<string, string>();
    this.flushRecords.set(databaseId, known);
    for (const relative of records) {
      const content = await fs.readFile(path.join(archiveDir, relative)).catch(() => undefined);
      if (content === undefined) continue;
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (known.get(relative) === sha256) continue;
      await this.vault.pushFiles(archiveDir, [relative], prefix);
      known.set(relative, sha256);
    }
  }
}

/** An archive file counts once its .sha256 is there (archive-files.ts); a .sha256 counts with its file. */
function isComplete(relative: string, names: ReadonlySet<string>): boolean {
  return relative.endsWith(SHA256_SUFFIX) ? names.has(relative.slice(0, -SHA256_SUFFIX.length)) : names.has(`${relative}${SHA256_SUFFIX}`);
}

/** The complete files of an archive listing. */
function complete(files: readonly LocalArchiveFile[]): LocalArchiveFile[] {
  const names = new Set(files.map((file) => file.relative));
  return files.filter((file) => isComplete(file.relative, names));
}

const isFlushRecord = (relative: string) => path.posix.basename(relative) === FLUSH_STATE_FILE;

/** Regular files under an archive `root` with their sizes (temp files, whose names start with a dot, left out). */
export async function archiveFilesUnder(root: string, relative = ''): Promise<LocalArchiveFile[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: LocalArchiveFile[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await archiveFilesUnder(root, child)));
    else if (entry.isFile()) {
      const stat = await fs.stat(path.join(root, child)).catch(() => undefined);
      if (stat) found.push({ relative: child, size: stat.size });
    }
  }
  return found;
}
