import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import { CaRegistry } from '../pki/index.js';

export const CA_USAGE = `Usage: berth ca bundle [--identifier <id>] [--data-dir <dir>]

Prints the PEM bundle of berth's certificate authorities (all of them, or one),
the same as GET /certificates/global-bundle.pem and /certificates/<id>.pem.`;

export async function ca(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { identifier: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help || positionals[0] !== 'bundle') {
    (values.help ? process.stdout : process.stderr).write(`${CA_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const registry = await CaRegistry.open(path.join(dataDir, 'pki'), { serverKeyPoolSize: 0 });
  try {
    if (values.identifier !== undefined && !registry.has(values.identifier)) {
      process.stderr.write(`Unknown CA '${values.identifier}'; valid: ${registry.identifiers().join(', ')}\n`);
      return 2;
    }
    process.stdout.write(registry.bundle(values.identifier));
    return 0;
  } finally {
    await registry.close();
  }
}
