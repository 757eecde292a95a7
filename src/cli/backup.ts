import { parseArgs } from 'node:util';
import { BackupKeyring } from '../backup-store/keyring.js';
import { ADMIN_TARGET_PREFIX } from '../gateway/pipeline.js';
import { CALL_OPTIONS, resolveCallTarget, signedCall } from './signed-call.js';

export const BACKUP_USAGE = `Usage: berth backup verify <database-name> [--endpoint-url <url>] [--region <region>] [--ca-bundle <pem>] [--data-dir <dir>]
       berth backup rotate-key --backup-key-file <path>

verify: restores the database's newest automatic backup into a scratch server that no
client can reach, through the running berth: every checksum verified, the server
started and asked a query, then removed. Prints the result (also an event and
berth_backup_verification_ok on /metrics). Signed like berth maintenance run.

rotate-key: writes a new backup key at the top of the key file and keeps the older
ones below it: backups sealed from now on use the new key (once berth restarts), older
ones stay readable with the keys kept. Copy the updated file off the host again.`;

export async function backup(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CALL_OPTIONS, 'backup-key-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (action === 'verify' && name && extra.length === 0) {
    const target = await resolveCallTarget(values);
    const result = (await signedCall(target, `${ADMIN_TARGET_PREFIX}VerifyRelationalDatabaseBackup`, { relationalDatabaseName: name })) as {
      verification: { ok: boolean };
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.verification.ok ? 0 : 1;
  }
  const file = values['backup-key-file'];
  if (action !== 'rotate-key' || name !== undefined || file === undefined) {
    process.stderr.write(`${BACKUP_USAGE}\n`);
    return 2;
  }
  const keyring = await BackupKeyring.rotate(file);
  process.stdout.write(`New backup key ${keyring.current.id} written to ${file}; it keeps ${keyring.ids.length - 1} older key(s).\n`);
  return 0;
}
