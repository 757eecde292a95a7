/**
 * berth benchmarks (npm run bench). Figures only: nothing here asserts a
 * target; medians and percentiles are printed for the closing notes.
 *
 *   create   create → first verified TLS query, over N databases
 *   rps      signed GetRelationalDatabase requests per second, 16 in flight
 *   rotation CA rotation time and failed queries on held connections
 *   memory   PSS of one idle database, and of berth with 20 databases
 *   failover HA: failover time, the cost of synchronous replication, standby build time (not in the default set)
 *   offsite  backup store: backup and restore against plain transfers, archive lag, berth recover (not in the default set)
 *
 * Usage: npm run bench [-- create rps rotation memory failover offsite] [--databases N] [--seconds S] [--rotations R]
 *        [--failovers F] [--build-gb G] [--engines postgres,mysql] [--size-mb M] [--lag-seconds L] [--stores file,s3]
 */
import { parseArgs } from 'node:util';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { benchCreate } from './create.js';
import { benchFailover } from './failover.js';
import type { TestEngine } from '../test/helpers/sql.js';
import { benchMemory } from './memory.js';
import { benchOffsite } from './offsite.js';
import { benchRequests } from './requests.js';
import { benchRotation } from './rotation.js';
import { settle } from './settle.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    databases: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    rotations: { type: 'string', default: '20' },
    failovers: { type: 'string', default: '10' },
    'build-gb': { type: 'string', default: '1' },
    engines: { type: 'string', default: 'postgres,mysql' },
    'size-mb': { type: 'string', default: '500' },
    'lag-seconds': { type: 'string', default: '30' },
    stores: { type: 'string', default: 'file,s3' },
  },
  allowPositionals: true,
});
const selected = new Set(positionals.length > 0 ? positionals : ['create', 'rps', 'rotation', 'memory']);

async function main(): Promise<void> {
  const berth = await BerthProcess.start({ extraArgs: ['--stop-databases-on-exit'] });
  try {
    console.log(`berth ${berth.url} (data dir ${berth.dataDir}), ${new Date().toISOString()}`);
    const benches: [string, () => Promise<void>][] = [
      ['create', () => benchCreate(berth, Number(values.databases))],
      ['rps', () => benchRequests(berth, Number(values.seconds))],
      ['rotation', () => benchRotation(berth, Number(values.rotations))],
      ['memory', () => benchMemory(berth, 20)],
      ['failover', () => benchFailover(berth, Number(values.failovers), Number(values['build-gb']), values.engines.split(',') as TestEngine[])],
      ['offsite', () => benchOffsite(Number(values['size-mb']), Number(values['lag-seconds']), values.stores.split(','))],
    ];
    for (const [name, run] of benches) {
      if (!selected.has(name)) continue;
      await settle(name);
      await run();
    }
  } catch (error) {
    console.error(`berth's last lines:\n${berth.lastLines(30)}`);
    throw error;
  } finally {
    await berth.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
