/**
 * fast-check arbitraries of hostile JSON content: strings (astral planes,
 * RTL and bidi controls, combining marks, NUL and other controls, lone
 * surrogates, injection payloads, near-limit lengths), numbers (negative,
 * huge, fractional, unsafe integers, literals JSON.stringify cannot write),
 * garbage timestamps, wrong JSON types and deep nesting.
 */
import fc from 'fast-check';
import { Raw } from './json-text.js';

/** Max length of a string the model validation accepts (src/api/input.ts). */
export const MAX_STRING_LENGTH = 64 * 1024;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

const specialChar = fc.constantFrom(
  '\u0000', '\u0001', '\u0008', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f', '\u00a0', '\u00ad',
  '\u034f', '\u0301', '\u0327', '\u0489', '\u20dd', // combining marks
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e',
  '\u2066', '\u2067', '\u2068', '\u2069', '\u061c', // bidi controls
  '\ufeff', '\ufffd', '\ufffe', '\uffff', '\u3000', '\u2010', '\uff0d', '\uff41', '\u0131', '\u0130', '\u00df', '\u212a',
  '\u05d0', '\u0627', '\u0640', '\u0600', '\u06dd', // Hebrew, Arabic
  '\u{1f418}', '\u{1d54f}', '\u{1f3f3}\u{fe0f}\u200d\u{1f308}', '\u{10ffff}', '\u{e0041}', '\u{e007f}', '\u{20000}', // astral
  '"', '\\', '/', "'", '`', '<', '>', '&', '%', '$', '{', '}', '[', ']', '(', ')', '\n', '\r', '\t', '\v', '\f', ' ',
  ':', ';', ',', '*', '?', '#', '=', '@', '+', '.', '-', '_', '|', '~', '^', '!',
  'a', 'Z', '0', '9',
);

const unit = fc.oneof(
  { weight: 6, arbitrary: specialChar },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Short strings of mixed hostile characters. */
export const mixedString = fc.string({ unit, maxLength: 40 });

export const notableString = fc.constantFrom(
  '', ' ', '  ', '\t', '\u0000', 'null', 'undefined', 'true', 'false', '0', '-1', '1e400', 'NaN', 'Infinity',
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__',
  "'; DROP TABLE databases; --", "\" OR 1=1 --", "') OR ('1'='1", 'x\'); SELECT pg_sleep(10); --', '$$; DROP ROLE x; $$',
  '../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f', '/dev/zero', '/proc/self/environ', 'file:///etc/shadow',
  '${jndi:ldap://127.0.0.1/x}', '{{7*7}}', '#{7*7}', '<%= 7*7 %>', '<script>alert(1)</script>', '%s%s%s%n', '%x%x%x',
  '\u202egnp.exe', 'שלום עולם', 'مرحبا بالعالم', 'Z\u0364\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036b',
  '\u{1f418}\u{1f42c}', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\udc18x', '\ud83d\ud83d', '\ufeffabc', 'abc\u200b',
  'fuzz-db1\u0000', 'fuzz-db1 ', ' fuzz-db1', 'FUZZ-DB1', 'fuzz\u2010db1', 'fuzz-db1\n', 'fuzz_db1', 'fuzz-db\u0131',
  'Lightsail_20161128.GetRegions', 'postgres_17 ', 'POSTGRES_17', 'postgres_17\u0000', 'micro_2_0\u0000', 'us-east-1a\t',
  'aws:x', 'AWS:owner', 'berth_admin', 'pg_signal_backend', 'template0', 'root', 'PUBLIC', 'select', 'user',
  'mon:25:00-mon:25:30', '24:00-24:30', '00:00-00:29', 'sun:23:45-mon:00:15', 'xxx:10:00-xxx:10:30', '10:00-10:30\n',
  'rds-ca-rsa2048-g1 ', 'rds-ca-2019', 'CURRENT ', 'current', 'immediate', 'pending-reboot ',
  '1970-01-01T00:00:00Z', '-1', '1e-7', '0x10', '\u0661\u0662\u0663', // Arabic-Indic digits
);

/** A string of `targetBytes` JSON-encoded bytes (roughly) made of one repeated unit, or one of the 64 Ki boundaries. */
export const hugeString = fc.oneof(
  fc.tuple(fc.constantFrom('x', 'é', '\u{1d54f}', '\u0000', '"', '\ud800', '\u202e'), fc.constantFrom(MAX_STRING_LENGTH - 1, MAX_STRING_LENGTH, MAX_STRING_LENGTH + 1)).map(
    ([char, length]) => char.repeat(Math.ceil(length / char.length)).slice(0, length),
  ),
  fc.tuple(fc.constantFrom('x', 'é', '\u{1d54f}', '\u0000', '"', '\ud800'), fc.integer({ min: 70_000, max: 1_000_000 })).map(([char, bytes]) => {
    const perChar = char === 'x' ? 1 : char === 'é' || char === '"' ? 2 : char === '\u{1d54f}' ? 4 : 6;
    return char.repeat(Math.max(1, Math.floor(bytes / perChar)));
  }),
);

/** Any hostile string: mostly short, now and then near the limits. */
export const hostileString = fc.oneof(
  { weight: 8, arbitrary: mixedString },
  { weight: 5, arbitrary: notableString },
  { weight: 2, arbitrary: fc.tuple(notableString, mixedString).map(([a, b]) => a + b) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(255, 256, 1000, 10_000).chain((n) => fc.constantFrom('a', '-', '\u{1f418}').map((c) => c.repeat(n))) },
  { weight: 1, arbitrary: hugeString },
);

/** Prefix or suffix a plausible value with hostile content (reaches the checks behind a first "looks right"). */
export function affixed(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    mixedString.map((s) => valid + s),
    mixedString.map((s) => s + valid),
    fc.constantFrom('\u0000', ' ', '\n', '\u200b', '\ufeff', '\u202e', '\u0301').map((s) => valid + s),
    fc.constant(valid.toUpperCase()),
    fc.constant(valid.slice(0, -1)),
  );
}

/** Number literals JSON.stringify cannot write, valid JSON all the same. */
export const oddNumberLiteral = fc.constantFrom(
  new Raw('1e400'), new Raw('-1e400'), new Raw('-0'), new Raw('60.0'), new Raw('6e1'), new Raw('1E2'), new Raw('0e0'),
  new Raw('123456789012345678901234567890'), new Raw('-123456789012345678901234567890'), new Raw('0.0000000000000000000000001'),
  new Raw('9007199254740993'), new Raw('1.7976931348623157e309'), new Raw('4.9e-325'),
);

/** Invalid JSON tokens: a body carrying one is not JSON at all. */
export const invalidToken = fc.constantFrom(
  new Raw('NaN'), new Raw('Infinity'), new Raw('-Infinity'), new Raw('undefined'), new Raw('0x10'), new Raw('01'), new Raw('.5'),
  new Raw('+1'), new Raw('1.'), new Raw("'single'"), new Raw('tru'), new Raw('"unterminated'), new Raw('"bad \\x escape"'),
  new Raw('"bad \\u12 escape"'), new Raw('"raw\ttab"'), new Raw('"raw\u0000nul"'), new Raw('[1,]'), new Raw('{"a":1,}'), new Raw('//c\n1'),
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(
    -1, 0, 1, 59, 60, 61, 119, 120, 86_399, 86_400, 86_401, 20_160, 20_161, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53,
    2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 0.5, 1.5, 59.999, 60.000001, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE,
  ),
  fc.integer(),
  fc.integer({ min: -5, max: 90_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  oddNumberLiteral,
);

export const hostileTimestamp = fc.oneof(
  fc.constantFrom(
    '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z',
    '2024-01-01T25:61:61Z', '2024-01-01T00:00:00+99:99', '2024-01-01T00:00:00+14:00', '2024-01-01T', '2024-01-01', '2024-W01-1',
    'yesterday', 'now', '', ' 1700000000', '1700000000 ', '1e9', '-1', '0', '0.5', '1.', '.5', '253402300799', '253402300800',
    '99999999999999999999999', '1700000000.123456789', 'NaN', 'Infinity', '\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10',
    '1700000000\u0000', '2024-01-01T00:00:00Z\u0000', 'Mon, 01 Jan 2024 00:00:00 GMT',
  ),
  fc.constantFrom(-1, 0, 0.001, 1e9, 253_402_300_799, 253_402_300_799.999, 253_402_300_800, 1e20, -1e20, 5e-324, 1e308),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  oddNumberLiteral,
  mixedString,
);

/** Keys for extra members: near-misses of real members, prototype names, hostile text. */
export function hostileKey(members: readonly string[]): fc.Arbitrary<string> {
  const nearMiss = members.length === 0
    ? fc.constant('relationalDatabaseName')
    : fc.constantFrom(...members).chain((member) =>
      fc.constantFrom(
        member[0]!.toUpperCase() + member.slice(1),
        member.toLowerCase(),
        ` ${member}`,
        `${member}\u0000`,
        `${member}\u200b`,
        `${member}s`,
        member.replace(/[a-z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
      ));
  return fc.oneof(
    { weight: 3, arbitrary: nearMiss },
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'Action', 'Version', 'Message', '__type') },
    { weight: 2, arbitrary: mixedString },
  );
}

/** Arrays or objects nested up to 500 000 deep (up to ~1 MB of brackets). */
export const deepNesting = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 200 }) }, { weight: 2, arbitrary: fc.integer({ min: 1000, max: 100_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 500_000 }) }),
    fc.constantFrom('array', 'object', 'mixed'),
  )
  // Within the 1 MiB body limit: 2 bytes a level for arrays, 6 for objects, 8 for mixed.
  .map(([depth, kind]) => [kind === 'array' ? depth : Math.min(depth, kind === 'object' ? 170_000 : 130_000), kind] as const)
  .map(([depth, kind]) => {
    if (kind === 'array') return new Raw(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
    if (kind === 'object') return new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return new Raw(`${'[{"a":'.repeat(depth)}null${'}]'.repeat(depth)}`);
  });

/** Small arbitrary JSON values, with hostile strings and odd numbers in them. */
export const smallJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    mixedString,
    notableString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(mixedString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

export type JsonKind = 'string' | 'number' | 'boolean' | 'array' | 'object';

/** A value of any JSON type except `exclude` (null is left to the "null" mutation: it means absent). */
export function jsonOtherThan(exclude: readonly JsonKind[]): fc.Arbitrary<unknown> {
  const all: Record<JsonKind, fc.Arbitrary<unknown>> = {
    string: fc.oneof(notableString, mixedString, fc.constantFrom('true', '60', '[]', '{}')),
    number: hostileNumber,
    boolean: fc.boolean(),
    array: fc.oneof(fc.array(smallJson, { maxLength: 3 }), fc.constant([]), deepNesting.filter((raw) => raw.text.startsWith('['))),
    object: fc.oneof(fc.dictionary(mixedString, smallJson, { maxKeys: 3 }), fc.constant({}), deepNesting.filter((raw) => raw.text.startsWith('{'))),
  };
  const kinds = (Object.keys(all) as JsonKind[]).filter((kind) => !exclude.includes(kind));
  return fc.oneof(...kinds.map((kind) => all[kind]));
}
