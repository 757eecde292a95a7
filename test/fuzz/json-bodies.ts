/** Request bodies for the "arbitrary JSON and broken JSON text" property of the hostile-input suite. */
import fc from 'fast-check';
import { MAX_BODY_BYTES } from './harness.js';
import { deepNesting, hostileKey, hostileString, invalidToken, smallJson } from './hostile-values.js';
import { toJsonText } from './json-text.js';
import { buildInput, modelCase, type Recipe } from './model-cases.js';
import { inputShapeName, shape } from './model-shapes.js';

function membersOf(op: string): string[] {
  try {
    return Object.keys(shape(inputShapeName(op)).members ?? {});
  } catch {
    return [];
  }
}

/** Body texts for `op`: JSON that is not an object, objects of junk, broken text around a body made from `recipe` (`{}` without one). */
export function arbitraryBody(op: string, recipe: Recipe | undefined): fc.Arbitrary<{ kind: string; body: Buffer }> {
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
}
