import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTraversableBy, DirectoryNotTraversableError, ensureServiceUser, isRoot, writeFileAtomicAs } from './os-user.js';

describe('os-user', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-'));
    await fs.chmod(dir, 0o711);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives an unprivileged user with a passwd entry (system user "berth" when root)', async () => {
    const user = await ensureServiceUser();
    const again = await ensureServiceUser();
    expect(again).toEqual(user);
    if (isRoot()) {
      expect(user.name).toBe('berth');
      expect(user.uid).not.toBe(0);
    } else {
      expect(user.uid).toBe(process.getuid?.());
    }
  });

  it.runIf(isRoot())('names the directory that blocks traversal, and the fix', async () => {
    const user = await ensureServiceUser();
    const closed = path.join(dir, 'closed');
    await fs.mkdir(path.join(closed, 'inner'), { recursive: true, mode: 0o700 });
    await fs.chmod(closed, 0o700);
    const error = await assertTraversableBy(user, path.join(closed, 'inner', 'not-yet-created')).catch((e) => e);
    expect(error).toBeInstanceOf(DirectoryNotTraversableError);
    expect(error.message).toContain(closed);
    expect(error.message).toContain(`chmod o+x ${closed}`);
    await fs.chmod(closed, 0o711);
    await fs.chmod(path.join(closed, 'inner'), 0o711);
    await expect(assertTraversableBy(user, path.join(closed, 'inner', 'not-yet-created'))).resolves.toBeUndefined();
  });

  it('writes files atomically with the owner and mode asked for', async () => {
    const user = await ensureServiceUser();
    const file = path.join(dir, 'secret.key');
    await writeFileAtomicAs(user, file, 'one', 0o600);
    await writeFileAtomicAs(user, file, 'two', 0o600);
    const st = await fs.stat(file);
    expect(await fs.readFile(file, 'utf8')).toBe('two');
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(user.uid);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
