import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMariadbTool } from './server-binaries.js';
import { runPipeline, runTool, TOOL_ENV } from './tool-process.js';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-mytools-`));
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('findMariadbTool', () => {
  it('prefers the tool installed with the server, then PATH', async () => {
    const basedir = path.join(dir, 'prefix');
    await fs.mkdir(path.join(basedir, 'bin'), { recursive: true });
    await fs.mkdir(path.join(basedir, 'sbin'), { recursive: true });
    const server = { mariadbd: path.join(basedir, 'sbin', 'mariadbd'), basedir };
    await fs.writeFile(path.join(basedir, 'bin', 'mariadb-backup'), '', { mode: 0o755 });
    expect(findMariadbTool(server, 'mariadb-backup', { PATH: '' })).toEqual({ found: true, path: path.join(basedir, 'bin', 'mariadb-backup') });
    const onPath = path.join(dir, 'path');
    await fs.mkdir(onPath);
    await fs.writeFile(path.join(onPath, 'mariadb-binlog'), '', { mode: 0o755 });
    const isolated = { mariadbd: path.join(dir, 'nowhere', 'sbin', 'mariadbd'), basedir: path.join(dir, 'nowhere') };
    // PATH comes before the system directories (which this machine may have the tools in).
    expect(findMariadbTool(isolated, 'mariadb-binlog', { PATH: onPath })).toEqual({ found: true, path: path.join(onPath, 'mariadb-binlog') });
  });
});

describe('runTool and runPipeline', () => {
  it('run in UTC with a fixed PATH and report the exit status with the output tail', async () => {
    expect(TOOL_ENV.TZ).toBe('UTC');
    const env = await script('env.sh', 'echo "TZ=$TZ"');
    expect(await runTool(env, [])).toBe('TZ=UTC');
    const failing = await script('fail.sh', 'echo "something broke" >&2; exit 3');
    await expect(runTool(failing, [])).rejects.toThrow(/fail\.sh exited with code 3:\nsomething broke/);
    await expect(runTool(path.join(dir, 'absent'), [])).rejects.toThrow(/absent could not run/);
  });

  it('pipes the producer into the consumer and names the side that failed', async () => {
    const producer = await script('produce.sh', 'echo one; echo two');
    const out = path.join(dir, 'consumed');
    const consumer = await script('consume.sh', `cat > ${out}`);
    await runPipeline({ command: producer, args: [] }, { command: consumer, args: [] });
    expect(await fs.readFile(out, 'utf8')).toBe('one\ntwo\n');
    const badConsumer = await script('reject.sh', 'read line; echo "ERROR 1064 at line 1" >&2; exit 1');
    await expect(runPipeline({ command: producer, args: [] }, { command: badConsumer, args: [] })).rejects.toThrow(/reject\.sh exited with code 1:\nERROR 1064 at line 1/);
    const badProducer = await script('broken.sh', 'echo partial; echo "read error" >&2; exit 2');
    await expect(runPipeline({ command: badProducer, args: [] }, { command: consumer, args: [] })).rejects.toThrow(/broken\.sh exited with code 2:\nread error/);
  });
});
