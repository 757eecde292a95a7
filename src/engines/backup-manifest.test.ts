import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from './backup.js';
import { buildDirectoryAtomically, copyTreeHashed, copyVerified, readManifest, writeManifest } from './backup-manifest.js';

let dir = '';

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-manifest-`));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), content);
  }
}

/** A backup of `files` at dir/backup, built the way an engine builds one. */
async function backupOf(files: Record<string, string>): Promise<{ backup: string; manifest: BackupManifest }> {
  const source = path.join(dir, 'source');
  await tree(source, files);
  const backup = path.join(dir, 'backup');
  const manifest = await buildDirectoryAtomically(backup, async (temp) => {
    const copied = await copyTreeHashed(source, temp, { prefix: 'data', exclude: (rel) => rel === 'skip' || rel.startsWith('cache/') });
    const m: BackupManifest = {
      format: 1, engine: 'test', blueprintId: 'test_1', engineVersion: '1.0', consistentAt: new Date().toISOString(),
      position: { at: 1 }, sizeBytes: copied.files.reduce((s, f) => s + f.size, 0), files: copied.files,
    };
    await writeManifest(temp, m);
    return m;
  });
  return { backup, manifest };
}

describe('backup directories with checksums', () => {
  it('copies a tree with a SHA-256 per file, leaving exclusions out (empty directories kept)', async () => {
    const { backup, manifest } = await backupOf({ 'a.txt': 'alpha', 'sub/b.bin': 'beta', skip: 'x', 'cache/c': 'y' });
    expect(manifest.files).toEqual([
      { path: 'data/a.txt', size: 5, sha256: createHash('sha256').update('alpha').digest('hex') },
      { path: 'data/sub/b.bin', size: 4, sha256: createHash('sha256').update('beta').digest('hex') },
    ]);
    expect((await fs.stat(path.join(backup, 'data', 'cache'))).isDirectory()).toBe(true);
    expect(await readManifest(backup)).toEqual(manifest);
    expect((await fs.readdir(dir)).sort()).toEqual(['backup', 'source']); // no temp dir left
  });

  it('readManifest names a missing file, a truncated file, a missing manifest, an unsafe path', async () => {
    const { backup, manifest } = await backupOf({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    await fs.writeFile(path.join(backup, 'data', 'b.txt'), 'bet');
    await expect(readManifest(backup)).rejects.toThrow(`backup ${backup}: file data/b.txt is corrupted (3 bytes, the manifest says 4)`);
    await fs.rm(path.join(backup, 'data', 'a.txt'));
    await expect(readManifest(backup)).rejects.toThrow(`backup ${backup}: file data/a.txt is missing`);
    const unsafe = { ...manifest, files: [{ path: '../escape', size: 0, sha256: '0'.repeat(64) }], sizeBytes: 0 };
    await fs.writeFile(path.join(backup, 'manifest.json'), JSON.stringify(unsafe));
    await expect(readManifest(backup)).rejects.toThrow(/unsafe path/);
    await fs.rm(path.join(backup, 'manifest.json'));
    await expect(readManifest(backup)).rejects.toThrow(/has no manifest.json/);
  });

  it('copyVerified names a file whose content changed (same size)', async () => {
    const { backup, manifest } = await backupOf({ 'a.txt': 'alpha', 'sub/b.bin': 'beta' });
    await fs.writeFile(path.join(backup, 'data', 'sub', 'b.bin'), 'BETA');
    const out = path.join(dir, 'out');
    await expect(copyVerified(backup, await readManifest(backup), { target: (f) => path.join(out, f.path) })).rejects.toThrow(
      new RegExp(`backup ${backup}: file data/sub/b\\.bin is corrupted \\(sha256 [0-9a-f]{64}, 4 bytes; the manifest says ${manifest.files[1]?.sha256}`),
    );
  });

  it('a failed build leaves nothing under the final name, and the next build clears the leftovers', async () => {
    const target = path.join(dir, 'snap');
    await expect(buildDirectoryAtomically(target, async (temp) => {
      await fs.writeFile(path.join(temp, 'half'), 'x');
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(await fs.readdir(dir)).toEqual([]);
    await fs.mkdir(path.join(dir, '.snap.partial-deadbeef')); // as a crash would leave it
    await buildDirectoryAtomically(target, async () => undefined);
    expect(await fs.readdir(dir)).toEqual(['snap']);
    await expect(buildDirectoryAtomically(target, async () => undefined)).rejects.toThrow(/already exists/);
  });
});
