/**
 * How many runs each property gets, and the replay of a failure: FUZZ_RUNS
 * scales every numRuns (default 1); FUZZ_SEED and FUZZ_PATH replay a
 * reported counterexample.
 */
import type fc from 'fast-check';

const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;
export const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** numRuns of each operation's model-derived property; operations that ask the engine on every call get fewer. */
export const MODEL_RUNS = 250;
export const MODEL_RUNS_FOR: Record<string, number> = { GetRelationalDatabaseParameters: 120, UpdateRelationalDatabaseParameters: 200 };

export function params<Ts>(numRuns: number): fc.Parameters<Ts> {
  return { numRuns: runs(numRuns), ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) };
}
