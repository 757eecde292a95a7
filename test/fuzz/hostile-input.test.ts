/**
 * Property-based hostile input against one real berth process: every
 * implemented operation (and berth's admin operation) gets generated bodies
 * derived from the Lightsail input model, arbitrary JSON and broken JSON
 * text, header variants, bodies over the size limit, clients that hang up,
 * and unsigned or wrongly signed variants of the same bodies.
 *
 * For every request: an answer within the timeout, never a 5xx, a JSON body
 * whose __type is a modelled or front-end exception (with string message,
 * code, tip and docs, and x-amzn-ErrorType equal to __type) or a 200 where
 * one is allowed, no stack trace or server path on the wire, berth's pid
 * alive; and the store (read-only SQLite) unchanged unless the request
 * succeeded with a documented effect (TagResource / UntagResource).
 *
 * A failure reports its seed and shrink path: replay it with FUZZ_SEED=<seed>
 * FUZZ_PATH=<path> (and -t '<test name>'). FUZZ_RUNS=<factor> scales every
 * numRuns (default 1); FUZZ_STATS=1 prints how deep each operation's requests
 * got (status, __type, code, first words of the message).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPLEMENTED_OPERATIONS } from '../../src/services/index.js';
import { AUTH_ERRORS, SIGNED_ERRORS, PropertyViolation } from './checks.js';
import {
  assertHealthy,
  assertProperty,
  CONTENT_TYPE,
  exchange,
  MAX_BODY_BYTES,
  outcomeTable,
  serverErrorLines,
  startHarness,
  type Harness,
} from './harness.js';
import { headerVariant } from './header-variants.js';
import { arbitraryBody } from './json-bodies.js';
import { preview } from './json-text.js';
import { modelCase, type Expectation, type ModelCase, type Recipe } from './model-cases.js';
import { modelExchange } from './model-exchange.js';
import { ADMIN_OPERATION, targetOf } from './model-shapes.js';
import { recipes } from './recipes.js';
import { MODEL_RUNS, MODEL_RUNS_FOR, params, runs } from './run-parameters.js';
import { SIGNED_EMPTY_SENT_BODY, SIGNED_OTHER_TARGET, SIGNED_POISONED_SENT_PLAIN, signatureBreaker } from './signature-breakers.js';

describe('hostile input against a real berth', () => {
  let h: Harness;
  let allRecipes: Recipe[] = [];
  const recipeOf = (operation: string) => allRecipes.find((recipe) => recipe.operation === operation);
  const expectationOf = (operation: string): Expectation => recipeOf(operation)?.expectation ?? 'refuse';

  beforeAll(async () => {
    h = await startHarness();
    allRecipes = recipes(h.fx);
    // The store is quiet when nobody calls: the "nothing changed" checks can trust it.
    const first = h.view.read();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(h.view.read()).toEqual(first);
  }, 300_000);

  afterAll(async () => {
    const errors = h ? serverErrorLines(h) : [];
    if (errors.length > 0) console.warn(`berth logged ${errors.length} 5xx answers or unhandled errors, e.g.:\n${errors.slice(0, 6).join('\n')}`);
    if (h) console.info(`hostile-input: ${h.requests} requests sent`);
    if (h && process.env.FUZZ_STATS) console.info(outcomeTable(h));
    h?.view.close();
    h?.client.destroy();
    await h?.berth.dispose();
  }, 120_000);

  it('GetRelationalDatabaseLogEvents does not reveal where berth keeps its data', async () => {
    for (const startFromHead of [true, false]) {
      const response = await exchange(h, {
        label: 'GetRelationalDatabaseLogEvents',
        lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetOf('GetRelationalDatabaseLogEvents')]],
        body: Buffer.from(JSON.stringify({ relationalDatabaseName: h.fx.db1, logStreamName: 'postgresql', startFromHead })),
        rules: { errors: [], success: true, pathsInSuccess: true },
        expectation: 'read',
        operation: 'GetRelationalDatabaseLogEvents',
      });
      const leaks = (JSON.parse(response.text) as { resourceLogEvents: Array<{ message: string }> }).resourceLogEvents
        .map((event) => event.message)
        .filter((message) => h.secrets.some((secret) => message.includes(secret)));
      expect(leaks, `log lines with the data dir, e.g.:\n${leaks.slice(0, 3).join('\n')}`).toEqual([]);
    }
  });

  it('covers every implemented operation', () => {
    const covered = new Set(allRecipes.map((recipe) => recipe.operation));
    expect(IMPLEMENTED_OPERATIONS.filter((operation) => !covered.has(operation))).toEqual([]);
    for (const recipe of allRecipes) {
      if (recipe.expectation === 'refuse' && recipe.operation !== ADMIN_OPERATION) expect(recipe.poisons, recipe.operation).toBeDefined();
    }
  });

  describe('model-derived bodies, signed, per operation', () => {
    const operations = [...IMPLEMENTED_OPERATIONS, ADMIN_OPERATION];
    for (const operation of operations) {
      const numRuns = MODEL_RUNS_FOR[operation] ?? MODEL_RUNS;
      it(`${operation} (${runs(numRuns)} runs)`, async () => {
        const recipe = recipeOf(operation)!;
        let count = 0;
        await assertProperty(
          fc.asyncProperty(modelCase(recipe), async (c) => {
            await exchange(h, modelExchange(c, recipe.expectation));
            if (++count % 50 === 0) await assertHealthy(h);
          }),
          params(numRuns),
        );
        await assertHealthy(h);
      }, 240_000);
    }
  });

  describe('arbitrary JSON and broken JSON text, signed', () => {
    const knownTargets = [...IMPLEMENTED_OPERATIONS, ADMIN_OPERATION];
    const operation = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...knownTargets) },
      // A Lightsail operation berth does not serve, and one Lightsail does not have.
      { weight: 1, arbitrary: fc.constantFrom('GetInstances', 'CreateBucket', 'MakeCoffee') },
    );

    it(`any body for any target (${runs(800)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          operation.chain((op) => fc.record({ op: fc.constant(op), body: arbitraryBody(op, recipeOf(op)) })),
          async ({ op, body }) => {
            const known = knownTargets.includes(op);
            const expectation = known ? expectationOf(op) : 'refuse';
            await exchange(h, {
              label: `${op} (${body.kind})`,
              lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetOf(op)]],
              body: body.body,
              rules: { errors: [...SIGNED_ERRORS], success: expectation !== 'refuse' },
              expectation,
              operation: op,
            });
          },
        ),
        params(800),
      );
      await assertHealthy(h);
    }, 240_000);
  });

  describe('header variants, signed as sent', () => {
    const readOps = () => allRecipes.filter((recipe) => recipe.expectation === 'read' || recipe.expectation === 'refuse');

    it(`header variants (${runs(500)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...readOps()).chain((recipe) => fc.record({ c: modelCase(recipe), v: headerVariant })),
          async ({ c, v }) => {
            const base = modelExchange(c, expectationOf(c.operation));
            const lines = v.edit(base.lines, targetOf(c.operation));
            const sentTarget = lines.filter(([name]) => name === 'x-amz-target').map(([, value]) => value);
            // Only the body's own operation may run; any other target must be one berth does not know.
            const runsOwn = sentTarget.length === 1 && sentTarget[0]!.trim() === targetOf(c.operation);
            await exchange(h, {
              ...base,
              label: `${base.label} + ${v.label}`,
              lines,
              rules: {
                errors: [...SIGNED_ERRORS, ...(v.errors ?? [])],
                success: runsOwn && base.rules.success,
                transport: v.transport ?? false,
              },
            });
          },
        ),
        params(500),
      );
      await assertHealthy(h);
    }, 240_000);

    it('other methods and paths are refused without a signature check', async () => {
      for (const [method, path] of [['GET', '/'], ['PUT', '/'], ['DELETE', '/'], ['OPTIONS', '/'], ['PATCH', '/'], ['GET', '/certificates/..%2f..%2fberth.db'], ['GET', `/certificates/${'%00'.repeat(10)}.pem`], ['POST', '/x?a=1']] as const) {
        await exchange(h, {
          label: `${method} ${path}`,
          lines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']],
          body: Buffer.from(method === 'GET' ? '' : '{}'),
          sign: method === 'POST' ? 'as-sent' : 'none',
          wire: { method, path },
          rules: { errors: ['UnknownOperationException', ...AUTH_ERRORS, 'NotFoundException', 'InvalidInputException'], success: false },
          expectation: 'refuse',
          operation: 'GetRegions',
        }).catch((error: unknown) => {
          // GET on a public route may answer 404 text for an unknown certificate: check it is no 5xx and carries no path.
          if (error instanceof PropertyViolation && /not application\/x-amz-json-1.1/.test(error.message) && !/got: 5\d\d/.test(error.message)) return;
          throw error;
        });
      }
      await assertHealthy(h);
    });
  });

  describe('bodies over the size limit', () => {
    it(`are refused with RequestEntityTooLarge, signed or not, declared or chunked (${runs(20)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.integer({ min: MAX_BODY_BYTES + 1, max: 3 * MAX_BODY_BYTES }),
          fc.constantFrom('declared', 'chunked', 'declared-but-short'),
          fc.boolean(),
          fc.constantFrom(...IMPLEMENTED_OPERATIONS),
          async (size, mode, signed, op) => {
            const prefix = '{"relationalDatabaseName":"';
            const body = Buffer.from(`${prefix}${'x'.repeat(Math.max(0, size - prefix.length - 2))}"}`);
            const response = await exchange(h, {
              label: `${op}: ${size} bytes, ${mode}, ${signed ? 'signed' : 'unsigned'}`,
              lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetOf(op)]],
              body: mode === 'declared-but-short' ? body.subarray(0, 1000) : body,
              signedBody: body,
              sign: signed ? 'as-sent' : 'none',
              // Like botocore (urllib3), read the answer only once the whole request is written.
              wire: { readAfterWrite: true, ...(mode === 'chunked' ? { chunked: true } : mode === 'declared-but-short' ? { declaredLength: size } : {}) },
              rules: { errors: ['InvalidInputException'], success: false },
              strictOversize: true,
              expectation: 'refuse',
              operation: op,
            });
            expect(JSON.parse(response.text).code).toBe('RequestEntityTooLarge');
          },
        ),
        params(20),
      );
      await assertHealthy(h);
    }, 240_000);

    it('accepts a body of exactly the limit and refuses one byte more', async () => {
      const exactly = (n: number) => Buffer.from(`{"pad":"${'x'.repeat(n - 10)}"}`);
      expect(exactly(MAX_BODY_BYTES).length).toBe(MAX_BODY_BYTES);
      const ok = await exchange(h, {
        label: 'GetRegions, exactly 1 MiB',
        lines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']],
        body: exactly(MAX_BODY_BYTES),
        rules: { errors: [], success: true },
        expectation: 'read',
        operation: 'GetRegions',
      });
      expect(ok.status).toBe(200);
      const over = await exchange(h, {
        strictOversize: true,
        wire: { readAfterWrite: true },
        label: 'GetRegions, 1 MiB + 1',
        lines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']],
        body: exactly(MAX_BODY_BYTES + 1),
        rules: { errors: ['InvalidInputException'], success: false },
        expectation: 'refuse',
        operation: 'GetRegions',
      });
      expect(JSON.parse(over.text).code).toBe('RequestEntityTooLarge');
    });

    it('answers a client that sends 8 MiB before reading (as botocore does), instead of resetting the connection under it', async () => {
      const body = Buffer.alloc(8 * MAX_BODY_BYTES, 'x');
      const response = await exchange(h, {
        strictOversize: true,
        wire: { readAfterWrite: true },
        label: 'GetRegions, 8 MiB',
        lines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']],
        body,
        rules: { errors: ['InvalidInputException'], success: false },
        expectation: 'refuse',
        operation: 'GetRegions',
      });
      expect(JSON.parse(response.text).code).toBe('RequestEntityTooLarge');
    });
  });

  describe('unsigned and wrongly signed variants of the same bodies', () => {
    it(`are refused before validation and change nothing (${runs(600)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...allRecipes).chain((recipe) => fc.record({ c: modelCase(recipe), breaker: signatureBreaker })),
          async ({ c, breaker: b }) => {
            // The same body without its poison: often a perfectly valid request (delete, reboot, create...).
            const unpoisoned: ModelCase = { operation: c.operation, base: c.base, mutations: c.mutations };
            const plain = modelExchange(unpoisoned, 'refuse');
            const poisoned = modelExchange(c, 'refuse');
            const useUnpoisoned = b.label !== SIGNED_POISONED_SENT_PLAIN;
            // Without a poison (reads, tagging) or with one that left the bytes alike, there is nothing to tamper with.
            if (!useUnpoisoned && plain.body.equals(poisoned.body)) return;
            if (b.label === SIGNED_EMPTY_SENT_BODY && plain.body.toString() === '{}') return;
            if (b.label === SIGNED_OTHER_TARGET && c.operation === 'GetRegions') return;
            const x = b.apply(useUnpoisoned ? plain : poisoned, plain.body);
            if (x.body.length > MAX_BODY_BYTES) return; // the size limit comes first: covered above
            const response = await exchange(h, {
              ...x,
              label: `${x.label} + ${b.label}`,
              rules: { errors: b.errors ?? [...AUTH_ERRORS], success: false, transport: b.transport ?? false },
              expectation: 'refuse',
            });
            if (response.status === 400 && response.text !== '') expect(JSON.parse(response.text).code).toBe('InvalidRegion');
          },
        ),
        params(600),
      );
      await assertHealthy(h);
    }, 240_000);
  });

  /** When the hang-up property ran: berth's 5xx log lines from then are its own finding, not the catch-all's. */
  let hangUpWindow = { from: 0, to: 0 };

  describe('other Regions', () => {
    it(`reads signed for another Region see none of us-east-1's resources and change nothing (${runs(200)} runs)`, async () => {
      const reads = () => allRecipes.filter((recipe) => recipe.expectation === 'read');
      const otherRegions = ['us-west-2', 'eu-west-1', 'ap-northeast-1', 'sa-east-1', 'eu-south-2', 'ap-east-1'];
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...reads()).chain((recipe) => modelCase(recipe)),
          fc.constantFrom(...otherRegions),
          async (c, region) => {
            const x = modelExchange(c, 'read');
            const response = await exchange(h, { ...x, label: `${x.label} in ${region}`, signWith: { region } });
            const named = [h.fx.db1, h.fx.db2, h.fx.snap1];
            if (response.status === 200 && c.operation !== 'GetRegions' && c.operation !== 'GetRelationalDatabaseBundles' && c.operation !== 'GetRelationalDatabaseBlueprints') {
              const leaked = named.filter((name) => response.text.includes(`"${name}"`));
              expect(leaked, `${c.operation} in ${region} answered ${preview(response.text, 400)}`).toEqual([]);
            }
          },
        ),
        params(200),
      );
      await assertHealthy(h);
    }, 240_000);
  });

  describe('clients that hang up', () => {
    it(`mid-headers or mid-body do not hurt berth, nor count as server errors (${runs(30)} runs)`, async () => {
      hangUpWindow = { from: Date.now(), to: Number.MAX_SAFE_INTEGER };
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...allRecipes).chain((recipe) => modelCase(recipe)),
          fc.double({ min: 0, max: 0.99, noNaN: true }),
          fc.boolean(),
          async (c, fraction, chunked) => {
            const x = modelExchange({ ...c, poison: c.poison }, 'refuse');
            const body = Buffer.concat([x.body, Buffer.from(' '.repeat(4096))]);
            await exchange(h, {
              ...x,
              body,
              wire: { hangUpAfterBodyBytes: Math.floor(body.length * fraction), chunked },
              rules: { errors: [], success: false },
            });
          },
        ),
        params(30),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      hangUpWindow = { from: hangUpWindow.from, to: Date.now() };
      await assertHealthy(h);
      // Nobody got an answer, so nobody got a 500: berth should not log one (it skews error rates and alerts).
      const lines = serverErrorLines(h, hangUpWindow);
      expect(lines, `berth logged ${lines.length} 5xx/unhandled-error lines for hung-up clients, e.g.\n${lines.slice(0, 2).join('\n')}`).toEqual([]);
    }, 120_000);
  });

  it('berth logged no 5xx answer and no unhandled error (besides the hang-ups above)', () => {
    const lines = serverErrorLines(h).filter((line) => !serverErrorLines(h, hangUpWindow).includes(line));
    expect(lines, lines.slice(0, 5).join('\n')).toEqual([]);
  });
});
