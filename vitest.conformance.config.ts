import { defineConfig } from 'vitest/config';

/**
 * Client conformance suites (`npm run conformance`): each file drives one real
 * client (AWS CLI v1, boto3, the JS SDK, Terraform) through a full database
 * life cycle against its own berth process built in dist/.
 */
export default defineConfig({
  test: {
    include: ['conformance/**/*.conformance.ts'],
    pool: 'forks',
    // The suites mostly wait on child processes (clients, engines, Terraform's
    // poll delays), so all four run side by side even on a 2-core machine.
    poolOptions: { forks: { minForks: 1, maxForks: 4 } },
    fileParallelism: true,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 120_000,
    reporters: ['default'],
  },
});
