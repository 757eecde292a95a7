import type { BerthProcess } from '../test/helpers/berth-process.js';
import { failoverRounds } from '../test/helpers/failover-rounds.js';
import { engineAvailable, type TestEngine } from '../test/helpers/sql.js';

/**
 * Rounds of primary kills under a write load, per engine: acknowledged
 * commits lost (must be 0; the run fails otherwise), failovers that needed
 * a second try, and each round's failover time.
 */
export async function soakFailover(berth: BerthProcess, rounds: number): Promise<void> {
  for (const engine of ['postgres', 'mysql'] as TestEngine[]) {
    if (!engineAvailable(engine)) {
      console.log(`failover ${engine}: not installed, skipped`);
      continue;
    }
    const result = await failoverRounds(berth, engine, `soak-failover-${engine}`, rounds, (round, i) =>
      console.log(`failover ${engine} round ${i + 1}: writable after ${round.writableAfterMs} ms, available after ${round.availableAfterMs} ms, attempt ${round.attempts}`),
    );
    const retried = result.rounds.filter((round) => round.attempts > 1).length;
    console.log(`failover ${engine}: ${result.rounds.length} rounds, ${result.acknowledged} acknowledged commits, ${result.lost.length} lost, ${retried} needed a second try`);
    if (result.lost.length > 0) throw new Error(`acknowledged commits lost across failovers (${engine}): ${result.lost.slice(0, 20).join(', ')}`);
  }
}
