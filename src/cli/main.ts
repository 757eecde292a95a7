#!/usr/bin/env node
import { audit } from './audit.js';
import { ca } from './ca.js';
import { backup } from './backup.js';
import { maintenance } from './maintenance.js';
import { recover } from './recover.js';
import { rotateSecretKey } from './rotate-secret-key.js';
import { serve } from './serve.js';
import { keys, users } from './users.js';

const USAGE = `Usage: berth <command> [options]

Commands:
  serve        run the Lightsail-compatible API and the database servers
  ca bundle    print the CA bundle for sslmode=verify-full
  maintenance run <name>
               apply a database's pending maintenance now
  recover      bring back every database of the backup store that berth lacks
  backup verify <name>
               restore the newest backup into a scratch server and check it
  backup rotate-key --backup-key-file <path>
               start sealing new backups with a new key (old ones stay readable)
  users create|list|delete|set-policy
               users of the API, each with its own access keys and policy
  keys create|list|delete <user>
               a user's access keys (a second one, for rotation)
  audit        who did what: the audit trail of the running berth
  rotate-secret-key
               seal the store's secrets under a new secret.key (berth stopped)

Run 'berth <command> --help' for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'ca':
      return ca(rest);
    case 'maintenance':
      return maintenance(rest);
    case 'recover':
      return recover(rest);
    case 'backup':
      return backup(rest);
    case 'users':
      return users(rest);
    case 'keys':
      return keys(rest);
    case 'audit':
      return audit(rest);
    case 'rotate-secret-key':
      return rotateSecretKey(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`Unknown command '${command}'.\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`berth: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
