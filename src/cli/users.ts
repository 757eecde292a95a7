import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ADMIN_TARGET_PREFIX } from '../gateway/pipeline.js';
import { CALL_OPTIONS, resolveCallTarget, signedCall } from './signed-call.js';

const CONNECTION = `Options: --endpoint-url <url> --region <region> --ca-bundle <pem> --data-dir <dir>
Signed with the root key: BERTH_ACCESS_KEY_ID/BERTH_SECRET_ACCESS_KEY (or AWS_*),
else the credentials.json of --data-dir.`;

export const USERS_USAGE = `Usage: berth users create <name> [--policy-file <json>] [--json]
       berth users list [--json]
       berth users delete <name>
       berth users set-policy <name> --policy-file <json>

Users of the API besides the root key, each with its own access keys and an
IAM-style policy (without one, a user may do nothing). 'create' prints the new
user's first access key; its secret is shown only then.
${CONNECTION}`;

export const KEYS_USAGE = `Usage: berth keys create <user> [--json]
       berth keys list <user> [--json]
       berth keys delete <user> <access-key-id>

A user's access keys (at most two, so that one can replace the other). 'create'
prints the secret access key; it is shown only then.
${CONNECTION}`;

const OPTIONS = { ...CALL_OPTIONS, 'policy-file': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

interface AccessKeyOutput {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function printKey(key: AccessKeyOutput, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ userName: key.userName, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey })}\n`);
    return;
  }
  process.stdout.write(
    `user               ${key.userName}\naccess key id      ${key.accessKeyId}\nsecret access key  ${key.secretAccessKey}\n` +
      'The secret access key is shown only now: keep it somewhere safe.\n',
  );
}

async function readPolicy(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  return readFile(file, 'utf8').catch((error: Error) => {
    throw new Error(`--policy-file ${file} cannot be read: ${error.message}`);
  });
}

function usageError(usage: string): number {
  process.stderr.write(`${usage}\n`);
  return 2;
}

export async function users(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${USERS_USAGE}\n`);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (extra.length > 0) return usageError(USERS_USAGE);
  const call = async (operation: string, input: object) => signedCall(await resolveCallTarget(values), `${ADMIN_TARGET_PREFIX}${operation}`, input);
  const json = values.json === true;
  switch (action) {
    case 'create': {
      if (!name) return usageError(USERS_USAGE);
      const policyDocument = await readPolicy(values['policy-file']);
      const result = (await call('CreateUser', { userName: name, ...(policyDocument === undefined ? {} : { policyDocument }) })) as { accessKey: AccessKeyOutput };
      printKey(result.accessKey, json);
      return 0;
    }
    case 'list': {
      if (name) return usageError(USERS_USAGE);
      const result = (await call('ListUsers', {})) as { users: Array<{ userName: string; accessKeyIds: string[]; policyDocument?: string }> };
      if (json) process.stdout.write(`${JSON.stringify(result.users, null, 2)}\n`);
      else {
        for (const user of result.users) {
          process.stdout.write(`${user.userName}\tkeys: ${user.accessKeyIds.join(', ') || '-'}\tpolicy: ${user.policyDocument ? 'yes' : 'none'}\n`);
        }
      }
      return 0;
    }
    case 'delete':
      if (!name) return usageError(USERS_USAGE);
      await call('DeleteUser', { userName: name });
      process.stdout.write(`deleted the user ${name} and its access keys\n`);
      return 0;
    case 'set-policy': {
      const policyDocument = await readPolicy(values['policy-file']);
      if (!name || policyDocument === undefined) return usageError(USERS_USAGE);
      await call('PutUserPolicy', { userName: name, policyDocument });
      process.stdout.write(`set the policy of ${name}\n`);
      return 0;
    }
    default:
      return usageError(USERS_USAGE);
  }
}

export async function keys(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${KEYS_USAGE}\n`);
    return 0;
  }
  const [action, userName, accessKeyId, ...extra] = positionals;
  if (!userName || extra.length > 0) return usageError(KEYS_USAGE);
  const call = async (operation: string, input: object) => signedCall(await resolveCallTarget(values), `${ADMIN_TARGET_PREFIX}${operation}`, input);
  switch (action) {
    case 'create': {
      if (accessKeyId) return usageError(KEYS_USAGE);
      const result = (await call('CreateAccessKey', { userName })) as { accessKey: AccessKeyOutput };
      printKey(result.accessKey, values.json === true);
      return 0;
    }
    case 'list': {
      if (accessKeyId) return usageError(KEYS_USAGE);
      const result = (await call('ListAccessKeys', { userName })) as { accessKeys: Array<{ accessKeyId: string; createdAt: number }> };
      if (values.json) process.stdout.write(`${JSON.stringify(result.accessKeys, null, 2)}\n`);
      else for (const key of result.accessKeys) process.stdout.write(`${key.accessKeyId}\tcreated ${new Date(key.createdAt * 1000).toISOString()}\n`);
      return 0;
    }
    case 'delete':
      if (!accessKeyId) return usageError(KEYS_USAGE);
      await call('DeleteAccessKey', { userName, accessKeyId });
      process.stdout.write(`deleted the access key ${accessKeyId} of ${userName}\n`);
      return 0;
    default:
      return usageError(KEYS_USAGE);
  }
}
