import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';

import { mergeTags, removeTags, validateTagKeys, validateTags, type Tag } from './tags.js';


const tagsOf = (n: number, prefix = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

describe('validateTags', () => {
  it.each([
    [[], []],
    [[{ key: 'env', value: 'prod' }], [{ key: 'env', value: 'prod' }]],
    [[{ key: 'test' }], [{ key: 'test' }]], // key-only
    [[{ key: 'test', value: '' }], [{ key: 'test', value: '' }]], // Terraform's key-only form, kept as sent
    [[{ key: 'test', value: null }], [{ key: 'test' }]],
    [[{ key: 'a', value: '1', extra: true }], [{ key: 'a', value: '1' }]], // unknown members dropped
    [[{ key: 'Env' }, { key: 'env' }], [{ key: 'Env' }, { key: 'env' }]], // keys are case-sensitive
    [[{ key: 'k'.repeat(128), value: 'v'.repeat(256) }], [{ key: 'k'.repeat(128), value: 'v'.repeat(256) }]],
    [[{ key: 'a b+c-d=e.f_g:h/i@j', value: 'x y+z-=._:/@' }], [{ key: 'a b+c-d=e.f_g:h/i@j', value: 'x y+z-=._:/@' }]],
    [[{ key: 'größe', value: '東京' }], [{ key: 'größe', value: '東京' }]], // Unicode letters
    [[{ key: 'ключ١٢٣', value: '٣' }], [{ key: 'ключ١٢٣', value: '٣' }]], // Unicode digits
    [[{ key: '𝒜'.repeat(128) }], [{ key: '𝒜'.repeat(128) }]], // counted in characters, not UTF-16 units
    [[{ key: 'awsx' }, { key: 'my:aws:key' }], [{ key: 'awsx' }, { key: 'my:aws:key' }]],
  ])('accepts %j', (input, expected) => {
    expect(validateTags(input)).toEqual(expected);
  });

  it('accepts exactly 50 tags', () => {
    expect(validateTags(tagsOf(50))).toHaveLength(50);
  });

  it.each([
    [tagsOf(51), 'Invalid tags: 51 tags were given; a resource can have at most 50 tags.'],
    [[{ key: '' }], "Invalid tag key '' in tags[0]: it is empty"],
    [[{ key: 'k'.repeat(129) }], 'it is 129 characters long; tag keys must be 1 to 128 characters'],
    [[{ key: 'ok' }, { key: 'bad!' }], "Invalid tag key 'bad!' in tags[1]: contains '!' (U+0021)"],
    [[{ key: 'a#b' }], "contains '#'"],
    [[{ key: 'a\nb' }], "contains '\\u000a' (U+000A)"],
    [[{ key: 'aws:foo' }], "the prefix 'aws:' is reserved for AWS"],
    [[{ key: 'AWS:foo' }], "the prefix 'aws:' is reserved for AWS"],
    [[{ key: 'Aws:' }], "the prefix 'aws:' is reserved"],
    [[{ key: 'env' }, { key: 'env', value: 'x' }], "the key 'env' appears more than once"],
    [[{ value: 'x' }], 'Missing key in tags[0]'],
    [[{ key: 5 }], 'Invalid key in tags[0]: expected a string, got a number'],
    [[{ key: 'a', value: 5 }], "Invalid value of tag 'a' in tags[0]: expected a string, got a number"],
    [[{ key: 'a', value: 'v'.repeat(257) }], 'it is 257 characters long; tag values must be 0 to 256 characters'],
    [[{ key: 'a', value: 'x;y' }], "Invalid value 'x;y' of tag 'a' in tags[0]: contains ';'"],
    [[{ key: 'a', value: 'e\u0301' }], 'contains'], // combining mark (decomposed é) is not a letter
    [['env'], 'Invalid tags[0]: expected an object with a key and an optional value, got a string'],
    [[null], 'got null'],
    [[['env', 'x']], 'got a list'],
    [{ key: 'env' }, 'Invalid tags: expected a list of tags ({key, value}), got an object'],
    ['env', 'got a string'],
    [undefined, 'Missing tags'],
  ])('rejects %j', (input, fragment) => {
    expect(invalidMessage(() => validateTags(input))).toContain(fragment);
  });

  it('mentions what is allowed', () => {
    expect(invalidMessage(() => validateTags([{ key: 'a*' }])))
      .toContain("Unicode letters, digits, spaces and + - = . _ : / @) and must not start with 'aws:'");
  });

  it('uses the given member name', () => {
    expect(invalidMessage(() => validateTags([{ key: '' }], 'Tags'))).toContain('in Tags[0]');
  });
});

describe('validateTagKeys', () => {
  it.each([
    [[], []],
    [['env'], ['env']],
    [['env', 'Env', 'env'], ['env', 'Env']], // duplicates dropped, case-sensitive
    [['a b', 'größe', 'x:y/z@w'], ['a b', 'größe', 'x:y/z@w']],
  ])('accepts %j', (input, expected) => {
    expect(validateTagKeys(input)).toEqual(expected);
  });

  it.each([
    [['aws:createdBy'], "the prefix 'aws:' is reserved"],
    [[''], "Invalid tag key '' in tagKeys[0]: it is empty"],
    [['ok', 'no!'], "in tagKeys[1]: contains '!'"],
    [['k'.repeat(129)], 'it is 129 characters long'],
    [[1], 'Invalid key in tagKeys[0]: expected a string, got a number'],
    ['env', 'Invalid tagKeys: expected a list of tag keys, got a string'],
    [null, 'Missing tagKeys'],
  ])('rejects %j', (input, fragment) => {
    expect(invalidMessage(() => validateTagKeys(input))).toContain(fragment);
  });
});

describe('mergeTags', () => {
  it('upserts by key, keeping order, replacing values in place and appending new keys', () => {
    const existing: Tag[] = [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c' }];
    const added: Tag[] = [{ key: 'b', value: '20' }, { key: 'd', value: '4' }, { key: 'c', value: '3' }];
    expect(mergeTags(existing, added)).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '20' },
      { key: 'c', value: '3' },
      { key: 'd', value: '4' },
    ]);
    // the arguments are not modified
    expect(existing).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c' }]);
  });

  it('replaces the whole tag: a key-only tag drops the old value', () => {
    expect(mergeTags([{ key: 'a', value: '1' }], [{ key: 'a' }])).toEqual([{ key: 'a' }]);
  });

  it('is case-sensitive and idempotent', () => {
    const once = mergeTags([{ key: 'Env', value: 'x' }], [{ key: 'env', value: 'y' }]);
    expect(once).toEqual([{ key: 'Env', value: 'x' }, { key: 'env', value: 'y' }]);
    expect(mergeTags(once, [{ key: 'env', value: 'y' }])).toEqual(once);
  });

  it('allows up to 50 tags on the result and rejects 51', () => {
    expect(mergeTags(tagsOf(49), [{ key: 'new' }])).toHaveLength(50);
    expect(mergeTags(tagsOf(50), [{ key: 'k3', value: 'changed' }])).toHaveLength(50); // update only
    expect(invalidMessage(() => mergeTags(tagsOf(50), [{ key: 'new' }])))
      .toContain('The resource would have 51 tags; a resource can have at most 50 tags.');
    expect(invalidMessage(() => mergeTags(tagsOf(30), tagsOf(30, 'x')))).toContain('would have 60 tags');
  });
});

describe('removeTags', () => {
  it('removes the named keys (case-sensitive) and ignores unknown ones', () => {
    const existing: Tag[] = [{ key: 'a', value: '1' }, { key: 'B' }, { key: 'c', value: '3' }];
    expect(removeTags(existing, ['a', 'b', 'zzz'])).toEqual([{ key: 'B' }, { key: 'c', value: '3' }]);
    expect(removeTags(existing, [])).toEqual(existing);
    expect(existing).toHaveLength(3);
  });
});
