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
import { REGIONS } from '../../src/catalog/regions.js';
import { IMPLEMENTED_OPERATIONS } from '../../src/services/index.js';
import { AUTH_ERRORS, SIGNED_ERRORS, PropertyViolation } from './checks.js';
import {
  assertHealthy,
  assertProperty,
  CONTENT_TYPE,
  exchange,
  hasControlCharacters,
  MAX_BODY_BYTES,
  outcomeTable,
  serverErrorLines,
  startHarness,
  type Exchange,
  type Harness,
} from './harness.js';
import { deepNesting, hostileKey, hostileString, invalidToken, smallJson } from './hostile-values.js';
import { preview, toJsonText } from './json-text.js';
import {
  ADMIN_OPERATION,
  buildInput,
  modelCase,
  recipes,
  shape,
  inputShapeName,
  targetOf,
  TARGET_PREFIX,
  ADMIN_TARGET_PREFIX,
  type Expectation,
  type ModelCase,
  type Recipe,
} from './model-bodies.js';
import { latin1OfUtf8 } from './wire.js';

const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** numRuns of each operation's model-derived property; operations that ask the engine on every call get fewer. */
const MODEL_RUNS = 250;
const MODEL_RUNS_FOR: Record<string, number> = { GetRelationalDatabaseParameters: 120, UpdateRelationalDatabaseParameters: 200 };

function params<Ts>(numRuns: number): fc.Parameters<Ts> {
  return { numRuns: runs(numRuns), ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) };
}

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

  function modelExchange(c: ModelCase, expectation: Expectation): Exchange {
    const text = toJsonText(buildInput(c));
    return {
      label: `${c.operation}${c.poison ? ` [poison: ${c.poison.label}]` : ''}`,
      lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetOf(c.operation)]],
      body: Buffer.from(text, 'utf8'),
      // Signed, valid JSON object, known target: it reaches the model validation, so front-end errors are findings
      // (except the size limit, an InvalidInputException as well).
      rules: {
        errors: ['InvalidInputException', 'NotFoundException', 'OperationFailureException'],
        success: expectation !== 'refuse',
        pathsInSuccess: c.operation === 'GetRelationalDatabaseLogEvents',
      },
      expectation,
      operation: c.operation,
    };
  }

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
    const targetFor = (op: string) => (op === ADMIN_OPERATION ? `${ADMIN_TARGET_PREFIX}${op}` : `${TARGET_PREFIX}${op}`);
    const membersOf = (op: string) => {
      try {
        return Object.keys(shape(inputShapeName(op)).members ?? {});
      } catch {
        return [];
      }
    };

    /** Body texts for `op`: JSON that is not an object, objects of junk, broken text around a model-derived body. */
    const bodyFor = (op: string): fc.Arbitrary<{ kind: string; body: Buffer }> => {
      const recipe = recipeOf(op);
      const text = (kind: string) => (value: string) => ({ kind, body: Buffer.from(value, 'utf8') });
      const valid = recipe ? modelCase(recipe).map((c) => toJsonText(buildInput(c))) : fc.constant('{}');
      return fc.oneof(
        smallJson.map((value) => toJsonText(value)).map(text('any JSON value')),
        fc.jsonValue().map((value) => JSON.stringify(value)).map(text('fc.jsonValue')),
        fc.dictionary(hostileKey(membersOf(op)), smallJson, { maxKeys: 6 }).map((value) => toJsonText(value)).map(text('object of junk')),
        deepNesting.map((raw) => raw.text).map(text('deep nesting')),
        fc.constantFrom('', ' ', '\n', 'null', '[]', '""', '0', 'true', '{}', '{ }', '[{}]', '{"":null}', '\u0000', '{}\u0000').map(text('tiny')),
        fc.tuple(valid, fc.nat()).map(([t, cut]) => t.slice(0, cut % Math.max(1, t.length))).map(text('truncated')),
        fc.tuple(valid, fc.constantFrom('x', ' {}', '}', ',', '\u0000', '\ufeff', '//', '{"a":1}', ']', '"'.repeat(3))).map(([t, g]) => t + g).map(text('trailing garbage')),
        valid.map((t) => `\ufeff${t}`).map(text('BOM')),
        valid.map((t) => ({ kind: 'UTF-16LE', body: Buffer.from(t, 'utf16le') })),
        // Invalid UTF-8 outside any string (before, after, or just inside the outer brace): never JSON. (Inside a key it
        // would become U+FFFD and silently drop a member, poison included: a valid delete, as this suite learnt.)
        fc.tuple(valid, fc.constantFrom([0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]), fc.constantFrom('start', 'end', 'inside')).map(
          ([t, bytes, where]) => {
            const b = Buffer.from(t, 'utf8');
            const i = where === 'start' ? 0 : where === 'end' ? b.length : Math.min(1, b.length);
            return { kind: `invalid UTF-8 at the ${where}`, body: Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]) };
          },
        ),
        fc.tuple(fc.constantFrom(...(membersOf(op).length ? membersOf(op) : ['x'])), invalidToken).map(([m, tok]) => `{${JSON.stringify(m)}:${tok.text}}`).map(text('invalid token')),
        fc.tuple(fc.constantFrom(...(membersOf(op).length ? membersOf(op) : ['x'])), smallJson, smallJson).map(([m, a, b]) => `{${JSON.stringify(m)}:${toJsonText(a)},${JSON.stringify(m)}:${toJsonText(b)}}`).map(text('duplicate keys')),
        fc.constantFrom(MAX_BODY_BYTES - 20, MAX_BODY_BYTES - 11, MAX_BODY_BYTES - 10).map((n) => `{"pad":"${'x'.repeat(n)}"}`).map(text('near the size limit')),
        hostileString.map((s) => JSON.stringify(s)).map(text('a bare string')),
      );
    };

    it(`any body for any target (${runs(800)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          operation.chain((op) => fc.record({ op: fc.constant(op), body: bodyFor(op) })),
          async ({ op, body }) => {
            const known = knownTargets.includes(op);
            const expectation = known ? expectationOf(op) : 'refuse';
            await exchange(h, {
              label: `${op} (${body.kind})`,
              lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetFor(op)]],
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
    // Any target but one that runs an operation berth serves (Node trims the value): the body must never run elsewhere.
    const served = new Set([...IMPLEMENTED_OPERATIONS, ADMIN_OPERATION].map(targetOf));
    const unknownTarget = fc.oneof(
      hostileString.filter((s) => s.length < 2000).map(latin1OfUtf8),
      fc.constantFrom(
        '',
        'Lightsail_20161128.',
        'Lightsail_20161128',
        'lightsail_20161128.GetRegions',
        'Lightsail_20161128.getRegions',
        'Lightsail_20161128.GetRegions.GetRegions',
        'Lightsail_20161128.__proto__',
        'Lightsail_20161128.constructor',
        'Lightsail_20161128.hasOwnProperty',
        'Lightsail_20161128.toString',
        'BerthAdmin_20261127.',
        'BerthAdmin_20261127.__proto__',
        'BerthAdmin_20261127.runPendingMaintenance',
        'Lightsail_20161128.GetRegions;Lightsail_20161128.GetRegions',
        'AmazonLightsail.GetRegions',
      ),
      fc.constantFrom('\u{1f418}', '\u202e', '\u0301', '\u05d0', '\u00e9', '\ud835\udd4f').map((c) => latin1OfUtf8(`Lightsail_20161128.Get${c}Regions`)),
      fc.integer({ min: 200, max: 12_000 }).map((n) => `Lightsail_20161128.${'A'.repeat(n)}`),
    ).filter((target) => !served.has(target.trim()));
    type Variant = { label: string; edit: (lines: Array<[string, string]>, target: string) => Array<[string, string]>; transport?: boolean; errors?: string[] };
    const replaceTarget = (lines: Array<[string, string]>, value: string | undefined) => {
      const rest = lines.filter(([name]) => name !== 'x-amz-target');
      return value === undefined ? rest : [...rest, ['x-amz-target', value] as [string, string]];
    };
    const variant: fc.Arbitrary<Variant> = fc.oneof(
      fc.constant<Variant>({ label: 'no target', edit: (lines) => replaceTarget(lines, undefined), errors: ['UnknownOperationException'] }),
      unknownTarget.map<Variant>((t) => ({
        label: `target ${preview(t, 80)}`,
        edit: (lines) => replaceTarget(lines, t),
        transport: hasControlCharacters(t),
        errors: ['UnknownOperationException'],
      })),
      fc.constantFrom(2, 3).map<Variant>((n) => ({
        label: `target ${n} times`,
        edit: (lines, target) => [...lines.filter(([name]) => name !== 'x-amz-target'), ...Array.from({ length: n }, () => ['x-amz-target', target] as [string, string])],
        errors: ['UnknownOperationException'],
      })),
      unknownTarget.map<Variant>((t) => ({
        label: 'target twice, the second unknown',
        edit: (lines) => [...lines, ['x-amz-target', t]],
        transport: hasControlCharacters(t),
        errors: ['UnknownOperationException'],
      })),
      fc.constantFrom(undefined, 'text/plain', 'application/json', 'application/x-amz-json-1.0', 'multipart/form-data; boundary=x', '', 'application/x-amz-json-1.1; charset=latin1', latin1OfUtf8('t\u00e9xt/\u{1f418}')).map<Variant>((ct) => ({
        label: `content-type ${String(ct)}`,
        edit: (lines) => [...lines.filter(([name]) => name !== 'content-type'), ...(ct === undefined ? [] : [['content-type', ct] as [string, string]])],
      })),
      fc.constant<Variant>({ label: 'content-type twice', edit: (lines) => [...lines, ['content-type', 'text/plain']] }),
      fc.integer({ min: 1, max: 12_000 }).map<Variant>((n) => ({ label: `a ${n}-byte extra header`, edit: (lines) => [...lines, ['x-fuzz-pad', 'p'.repeat(n)]] })),
      fc.integer({ min: 17_000, max: 80_000 }).map<Variant>((n) => ({ label: `a ${n}-byte header (over Node's limit)`, edit: (lines) => [...lines, ['x-fuzz-pad', 'p'.repeat(n)]], transport: true })),
      fc.integer({ min: 50, max: 1500 }).map<Variant>((n) => ({
        label: `${n} extra headers`,
        edit: (lines) => [...lines, ...Array.from({ length: n }, (_, i) => [`x-fuzz-${i}`, String(i)] as [string, string])],
        transport: true,
      })),
      fc.constantFrom('\u0000', '\u0001', '\u007f', '\r').map<Variant>((c) => ({
        label: `control character ${JSON.stringify(c)} in the target`,
        edit: (lines, target) => replaceTarget(lines, `${target}${c}x`),
        transport: true,
        errors: ['UnknownOperationException'],
      })),
      fc.constantFrom('x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'user-agent', 'x-amz-user-agent', 'expect').map<Variant>((name) => ({
        label: `odd header ${name}`,
        edit: (lines) => [...lines, [name, name === 'expect' ? '100-continue' : name === 'x-amz-content-sha256' ? 'UNSIGNED-PAYLOAD' : 'fuzz']],
        errors: [...AUTH_ERRORS],
        transport: name === 'expect',
      })),
    );

    it(`header variants (${runs(500)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...readOps()).chain((recipe) => fc.record({ c: modelCase(recipe), v: variant })),
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
    type Breaker = { label: string; apply: (x: Exchange, unpoisoned: Buffer) => Exchange; errors?: string[]; transport?: boolean };
    const minutes = 60_000;
    const breaker: fc.Arbitrary<Breaker> = fc.oneof(
      fc.constant<Breaker>({ label: 'unsigned', apply: (x) => ({ ...x, sign: 'none' }) }),
      fc
        .oneof(
          hostileString.filter((s) => s.length < 4000).map(latin1OfUtf8),
          fc.constantFrom(
            'AWS4-HMAC-SHA256',
            'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lightsail/aws4_request, SignedHeaders=host, Signature=00',
            'Bearer abc',
            'Basic dXNlcjpwYXNz',
            `AWS4-HMAC-SHA256 Credential=${'A'.repeat(5000)}/20260101/us-east-1/lightsail/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
          ),
        )
        .map<Breaker>((auth) => ({
          transport: hasControlCharacters(auth),
          label: `authorization ${preview(auth, 60)}`,
          apply: (x) => ({ ...x, sign: 'none', lines: [...x.lines, ['authorization', auth], ['x-amz-date', new Date().toISOString().replace(/[-:]|\.\d+/g, '')]] }),
        })),
      fc.constant<Breaker>({ label: 'wrong secret', apply: (x) => ({ ...x, signWith: { secretAccessKey: 'not-the-secret' } }) }),
      fc.constant<Breaker>({ label: 'unknown access key', apply: (x) => ({ ...x, signWith: { accessKeyId: 'AKIAFUZZUNKNOWN00000' } }) }),
      fc.constantFrom(-16, 16, -60 * 24, 60 * 24 * 365).map<Breaker>((offset) => ({
        label: `signed ${offset} minutes off`,
        apply: (x) => ({ ...x, signWith: { signingDate: new Date(Date.now() + offset * minutes) } }),
      })),
      fc.constantFrom('ec2', 's3', 'Lightsail', '').map<Breaker>((service) => ({ label: `signed for service '${service}'`, apply: (x) => ({ ...x, signWith: { service } }) })),
      fc.constant<Breaker>({
        label: 'signed a poisoned body, sent the unpoisoned one',
        apply: (x, unpoisoned) => ({ ...x, signedBody: x.body, body: unpoisoned }),
      }),
      fc.constant<Breaker>({ label: 'signed {}, sent the body', apply: (x) => ({ ...x, signedBody: Buffer.from('{}') }) }),
      fc.constant<Breaker>({
        label: 'signed GetRegions, sent the real target',
        apply: (x) => ({ ...x, signedLines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']] }),
      }),
      fc.constant<Breaker>({ label: 'x-amz-date dropped after signing', apply: (x) => ({ ...x, dropAfterSigning: ['x-amz-date'] }) }),
      fc.constant<Breaker>({
        label: 'a wrong x-amz-content-sha256',
        apply: (x) => ({ ...x, lines: [...x.lines, ['x-amz-content-sha256', '0'.repeat(64)]] }),
      }),
      fc
        .oneof(
          fc.constantFrom('moon-north-1', 'US-EAST-1', 'us-east-1a', 'aws-global', '*', '..', 'us-east-1\u0000', 'us\u2010east\u20101', '\u{1f418}'),
          hostileString,
        )
        // Never a Region berth serves: the unpoisoned body would then be a valid request there.
        .filter((region) => region.length > 0 && region.length < 300 && !/[/,\s]/.test(region) && !REGIONS.some((known) => known.name === region.trim()))
        .map<Breaker>((region) => ({
          label: `signed in Region ${preview(region, 60)}`,
          apply: (x) => ({ ...x, signWith: { region } }),
          // A Region that survives the Authorization header intact meets InvalidRegion; others break the signature.
          errors: ['InvalidInputException', ...AUTH_ERRORS],
          transport: hasControlCharacters(region),
        })),
    );

    it(`are refused before validation and change nothing (${runs(600)} runs)`, async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.constantFrom(...allRecipes).chain((recipe) => fc.record({ c: modelCase(recipe), breaker })),
          async ({ c, breaker: b }) => {
            // The same body without its poison: often a perfectly valid request (delete, reboot, create...).
            const unpoisoned: ModelCase = { operation: c.operation, base: c.base, mutations: c.mutations };
            const plain = modelExchange(unpoisoned, 'refuse');
            const poisoned = modelExchange(c, 'refuse');
            const useUnpoisoned = b.label !== 'signed a poisoned body, sent the unpoisoned one';
            // Without a poison (reads, tagging) or with one that left the bytes alike, there is nothing to tamper with.
            if (!useUnpoisoned && plain.body.equals(poisoned.body)) return;
            if (b.label === 'signed {}, sent the body' && plain.body.toString() === '{}') return;
            if (b.label === 'signed GetRegions, sent the real target' && c.operation === 'GetRegions') return;
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
