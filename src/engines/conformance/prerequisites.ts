/**
 * Suites that need something of the machine (an engine's binaries, a tool):
 * skipped where it is missing, except with CI=true, where a missing
 * prerequisite is a failure that names it, never a silent skip.
 */
import { describe, it } from 'vitest';

/** Defines `body` as the suite `name` when `missing` is undefined; otherwise reports what is missing. */
export function describeWhenAvailable(name: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has what it tests against (required when CI=true)', () => {
        throw new Error(`${name} cannot run: ${missing}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${missing})`, () => undefined);
  }
}
