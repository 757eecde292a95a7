/**
 * The long runs (npm run soak): kill -9 rounds, 200 concurrent clients,
 * 100 databases at once, failovers under a write load. Figures are printed for the closing notes; a broken
 * invariant or an unmodelled error fails the run.
 *
 * Usage: npm run soak [-- crash load scale failover] [--rounds N] [--seconds S] [--clients C] [--databases D] [--seed X]
 */
import { parseArgs } from 'node:util';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { seeded } from '../test/helpers/seeded-random.js';
import { soakCrashes } from './crash.js';
import { soakFailover } from './failover.js';
import { soakLoad } from './load.js';
import { soakScale } from './scale.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '200' },
    databases: { type: 'string', default: '100' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
  },
  allowPositionals: true,
});
const selected = new Set(positionals.length > 0 ? positionals : ['crash', 'load', 'scale', 'failover']);

async function withBerth(args: string[], work: (berth: BerthProcess) => Promise<void>): Promise<void> {
  const berth = await BerthProcess.start({ extraArgs: ['--stop-databases-on-exit', ...args] });
  try {
    await work(berth);
  } finally {
    await berth.dispose();
  }
}

async function main(): Promise<void> {
  console.log(`soak ${new Date().toISOString()} seed ${values.seed}`);
  if (selected.has('crash')) {
    await withBerth(['--backup-check-interval-ms', '500', '--archive-interval-ms', '2000'], (berth) =>
      soakCrashes(berth, Number(values.rounds), seeded(Number(values.seed))),
    );
  }
  if (selected.has('load')) await withBerth([], (berth) => soakLoad(berth, Number(values.clients), Number(values.seconds)));
  if (selected.has('scale')) {
    await withBerth(['--database-ports', '40000-40999'], (berth) => soakScale(berth, Number(values.databases)));
  }
  if (selected.has('failover')) await withBerth([], (berth) => soakFailover(berth, Number(values.rounds)));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
