import { describe, expect, it } from 'vitest';
import { WildcardPattern } from './wildcard.js';

const matches = (pattern: string, text: string, caseInsensitive = false) =>
  new WildcardPattern(pattern, caseInsensitive).test(caseInsensitive ? text.toLowerCase() : text);

describe('WildcardPattern', () => {
  it('matches literals exactly', () => {
    expect(matches('abc', 'abc')).toBe(true);
    expect(matches('abc', 'abcd')).toBe(false);
    expect(matches('abc', 'ab')).toBe(false);
    expect(matches('', '')).toBe(true);
    expect(matches('', 'a')).toBe(false);
  });
  it('lets * cross : and /', () => {
    expect(matches('arn:aws:lightsail:*', 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/abc')).toBe(true);
    expect(matches('arn:*/abc', 'arn:aws:lightsail:us-east-1:1:RelationalDatabase/abc')).toBe(true);
    expect(matches('arn:*/abc', 'arn:aws:lightsail:us-east-1:1:RelationalDatabase/abcd')).toBe(false);
  });
  it('places segments without overlap', () => {
    expect(matches('ab*ba', 'aba')).toBe(false);
    expect(matches('ab*ba', 'abba')).toBe(true);
    expect(matches('a*a*a', 'aa')).toBe(false);
    expect(matches('a*a*a', 'aaa')).toBe(true);
    expect(matches('*ab*ab*', 'xabyab')).toBe(true);
    expect(matches('*ab*ab*', 'xaby')).toBe(false);
  });
  it('lets ? stand for one character anywhere', () => {
    expect(matches('a?c', 'abc')).toBe(true);
    expect(matches('a?c', 'ac')).toBe(false);
    expect(matches('*?', '')).toBe(false);
    expect(matches('*?', 'x')).toBe(true);
    expect(matches('*a?c*', 'xxabcxx')).toBe(true);
    expect(matches('*a?c*', 'xxacxx')).toBe(false);
    expect(matches('?*?*?', 'ab')).toBe(false);
    expect(matches('?*?*?', 'abc')).toBe(true);
  });
  it('is case-sensitive unless asked not to be', () => {
    expect(matches('Get*', 'getInstances')).toBe(false);
    expect(matches('Get*', 'getInstances', true)).toBe(true);
    expect(matches('LIGHTSAIL:GET?NSTANCES', 'lightsail:GetInstances', true)).toBe(true);
  });
  it('knows when it matches everything', () => {
    expect(new WildcardPattern('*').matchesEverything).toBe(true);
    expect(new WildcardPattern('***').matchesEverything).toBe(true);
    expect(new WildcardPattern('*?').matchesEverything).toBe(false);
    expect(new WildcardPattern('').matchesEverything).toBe(false);
  });
  it('stays correct on patterns that make backtracking regexes explode', () => {
    const hostile = `${'*a'.repeat(30)}*b`;
    expect(matches(hostile, 'a'.repeat(5000))).toBe(false);
    expect(matches(hostile, `${'a'.repeat(5000)}b`)).toBe(true);
    expect(matches(`${'*?'.repeat(30)}b`, 'a'.repeat(2000))).toBe(false);
  });
});

describe('WildcardPattern against a reference matcher', () => {
  /** Textbook dynamic-programming glob match: slow but obviously right. */
  function referenceMatch(pattern: string, text: string): boolean {
    let row = [true, ...Array.from({ length: text.length }, () => false)];
    for (const symbol of pattern) {
      const next = [symbol === '*' && (row[0] ?? false)];
      for (let index = 1; index <= text.length; index++) {
        if (symbol === '*') next.push((row[index] ?? false) || (next[index - 1] ?? false));
        else next.push((row[index - 1] ?? false) && (symbol === '?' || symbol === text[index - 1]));
      }
      row = next;
    }
    return row[text.length] ?? false;
  }

  function allStrings(alphabet: readonly string[], maxLength: number): string[] {
    const strings = [''];
    for (let start = 0; start < strings.length; start++) {
      const prefix = strings[start] ?? '';
      if (prefix.length < maxLength) strings.push(...alphabet.map((symbol) => prefix + symbol));
    }
    return strings;
  }

  it('agrees on every pattern over {a, b, *, ?} up to 5 long and every text over {a, b} up to 6 long', () => {
    const texts = allStrings(['a', 'b'], 6);
    const disagreements: string[] = [];
    for (const pattern of allStrings(['a', 'b', '*', '?'], 5)) {
      const compiled = new WildcardPattern(pattern);
      for (const text of texts) {
        if (compiled.test(text) !== referenceMatch(pattern, text)) disagreements.push(`${pattern} ~ ${text}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('agrees case-insensitively on mixed-case patterns', () => {
    const disagreements: string[] = [];
    for (const pattern of allStrings(['a', 'B', '*', '?'], 4)) {
      const compiled = new WildcardPattern(pattern, true);
      for (const text of allStrings(['A', 'b'], 5)) {
        const expected = referenceMatch(pattern.toLowerCase(), text.toLowerCase());
        if (compiled.test(text.toLowerCase()) !== expected) disagreements.push(`${pattern} ~ ${text}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });
});
