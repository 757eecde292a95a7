/**
 * An instance's files on disk: its PGDATA copied from the template, and the
 * configuration berth writes into it on every provision.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { InstanceSpec } from '../driver.js';
import { execFileAs, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { renderBerthConf, renderPgHba, withBerthInclude } from './config-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';

/**
 * Copy the template into PGDATA unless it exists. The copy lands beside it and
 * is renamed: a crash never leaves a half copy named pgdata (a leftover
 * partial copy is removed by the next call). `cp -a` runs as the service user,
 * so every file is owned by it without a chown walk.
 */
export async function copyTemplateToPgdata(user: OsUser, template: string, p: PostgresInstancePaths): Promise<void> {
  if (await exists(p.pgdata)) return;
  await fs.rm(p.pgdataCopy, { recursive: true, force: true });
  await execFileAs(user, 'cp', ['-a', template, p.pgdataCopy]);
  await fs.rename(p.pgdataCopy, p.pgdata);
}

export async function assertDataMajor(p: PostgresInstancePaths, version: string): Promise<void> {
  const dataMajor = (await fs.readFile(path.join(p.pgdata, 'PG_VERSION'), 'utf8')).trim();
  if (dataMajor !== version.split('.')[0]) {
    throw new Error(`${p.pgdata} holds PostgreSQL ${dataMajor} data; this blueprint runs ${version} (major upgrades are not supported)`);
  }
}

/** berth.conf and pg_hba.conf rewritten; postgresql.conf gets its include line once. */
export async function writeInstanceConfig(spec: InstanceSpec, user: OsUser, p: PostgresInstancePaths): Promise<void> {
  const conf = renderBerthConf({
    spec,
    socketDir: p.socketDir,
    certFile: path.basename(p.certFile),
    keyFile: path.basename(p.keyFile),
  });
  await writeFileAtomicAs(user, p.berthConf, conf, 0o600);
  await writeFileAtomicAs(user, p.hbaConf, renderPgHba(), 0o600);
  const current = await fs.readFile(p.postgresqlConf, 'utf8');
  const included = withBerthInclude(current);
  if (included !== current) await writeFileAtomicAs(user, p.postgresqlConf, included, 0o600);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
