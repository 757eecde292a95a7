import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-info.js';
import { ServerProcess, type ServerProcessOptions } from './server-process.js';

/**
 * A stand-in server: writes its pid file, then `ready` after a delay, and
 * exits on SIGINT unless told to ignore it.
 */
const FAKE_SERVER = `
const fs = require('node:fs');
const [dir, mode] = process.argv.slice(2);
if (mode === 'crash') { console.error('fatal: configuration broken'); process.exit(3); }
fs.writeFileSync(dir + '/pid', String(process.pid));
if (mode === 'stubborn') { process.on('SIGINT', () => {}); process.on('SIGQUIT', () => {}); }
else process.on('SIGINT', () => { fs.rmSync(dir + '/pid', { force: true }); process.exit(0); });
setTimeout(() => fs.writeFileSync(dir + '/ready', 'ready'), 50);
setInterval(() => {}, 1000);
`;

describe('ServerProcess', () => {
  let dir = '';
  const started: number[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-'));
    await fs.writeFile(path.join(dir, 'fake-server.cjs'), FAKE_SERVER);
  });

  afterEach(async () => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await fs.rm(path.join(dir, 'pid'), { force: true });
    await fs.rm(path.join(dir, 'ready'), { force: true });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function pidFromFile(): Promise<number | undefined> {
    const pid = Number(await fs.readFile(path.join(dir, 'pid'), 'utf8').catch(() => ''));
    return pid > 0 && (await isProcessAlive(pid)) ? pid : undefined;
  }

  function fake(mode: string, overrides: Partial<ServerProcessOptions> = {}): ServerProcess {
    return new ServerProcess({
      label: `fake server (${mode})`,
      command: process.execPath,
      args: [path.join(dir, 'fake-server.cjs'), dir, mode],
      cwd: dir,
      env: {},
      startupLogPath: path.join(dir, 'startup.log'),
      findPid: pidFromFile,
      isReady: async () => existsSync(path.join(dir, 'ready')),
      readyTimeoutMs: 10_000,
      ...overrides,
    });
  }

  it('starts detached, reports ready, and stops with SIGINT', async () => {
    const server = fake('normal');
    const { pid } = await server.start();
    started.push(pid);
    expect(await server.status()).toEqual({ running: true, pid });
    expect((await server.start()).pid).toBe(pid); // no-op when running
    await server.stop();
    expect(await isProcessAlive(pid)).toBe(false);
    expect((await server.status()).running).toBe(false);
    await server.stop(); // idempotent
  });

  it('rejects with the startup log when the server exits before it is ready', async () => {
    await expect(fake('crash').start()).rejects.toThrow(/exited with code 3[\s\S]*configuration broken/);
  });

  it('escalates to SIGKILL when the server ignores SIGINT and SIGQUIT', async () => {
    const server = fake('stubborn', {
      stopSteps: [
        { signal: 'SIGINT', waitMs: 200 },
        { signal: 'SIGQUIT', waitMs: 200 },
        { signal: 'SIGKILL', waitMs: 5_000 },
      ],
    });
    const { pid } = await server.start();
    started.push(pid);
    await server.stop();
    expect(await isProcessAlive(pid)).toBe(false);
  });

  it('re-adopts a running server from a new ServerProcess (supervisor restart)', async () => {
    const first = fake('normal');
    const { pid } = await first.start();
    started.push(pid);
    const second = fake('normal');
    expect(await second.status()).toEqual({ running: true, pid });
    expect((await second.start()).pid).toBe(pid);
    await second.stop();
    expect(await isProcessAlive(pid)).toBe(false);
  });

  it('reports a missing executable', async () => {
    await expect(fake('normal', { command: path.join(dir, 'no-such-binary') }).start()).rejects.toThrow(/ENOENT/);
  });
});
