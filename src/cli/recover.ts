import { parseArgs } from 'node:util';
import { ADMIN_TARGET_PREFIX } from '../gateway/pipeline.js';
import { CALL_OPTIONS, resolveCallTarget, signedCall } from './signed-call.js';

export const RECOVER_USAGE = `Usage: berth recover [--endpoint-url <url>] [--region <region>] [--ca-bundle <pem>] [--data-dir <dir>]

Brings back, through the running berth, every database its backup store knows and
it lacks: under its own name and region, from its newest backup in the store replayed
to the end of the store's archive. Prints each database with the time it comes back
as (what was committed after it is lost) and what was skipped and why. Credentials:
BERTH_ACCESS_KEY_ID/BERTH_SECRET_ACCESS_KEY (or AWS_*), else the credentials.json of
--data-dir.`;

export async function recover(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CALL_OPTIONS, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${RECOVER_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`${RECOVER_USAGE}\n`);
    return 2;
  }
  const target = await resolveCallTarget(values);
  const result = await signedCall(target, `${ADMIN_TARGET_PREFIX}RecoverRelationalDatabases`, {});
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
