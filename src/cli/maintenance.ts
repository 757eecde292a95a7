import { parseArgs } from 'node:util';
import { ADMIN_TARGET_PREFIX } from '../gateway/pipeline.js';
import { CALL_OPTIONS, resolveCallTarget, signedCall } from './signed-call.js';

export const MAINTENANCE_USAGE = `Usage: berth maintenance run <database-name> [--endpoint-url <url>] [--region <region>] [--ca-bundle <pem>] [--data-dir <dir>]

Applies a database's pending maintenance (changes sent with applyImmediately=false,
such as a CA rotation) now instead of in its maintenance window, through the running
berth. Credentials: BERTH_ACCESS_KEY_ID/BERTH_SECRET_ACCESS_KEY (or AWS_*), else the
credentials.json of --data-dir. Prints the operation it started.`;

export async function maintenance(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CALL_OPTIONS, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${MAINTENANCE_USAGE}\n`);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (action !== 'run' || !name || extra.length > 0) {
    process.stderr.write(`${MAINTENANCE_USAGE}\n`);
    return 2;
  }
  const target = await resolveCallTarget(values);
  const result = await signedCall(target, `${ADMIN_TARGET_PREFIX}RunPendingMaintenance`, { relationalDatabaseName: name });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
