/**
 * Tags: validation of the `tags` list (CreateRelationalDatabase*,
 * TagResource) and of `tagKeys` (UntagResource), and the upsert/remove rules.
 */

import { InvalidInputException } from '../api/errors.js';
import {
  MAX_TAGS_PER_RESOURCE,
  RESERVED_TAG_KEY_PREFIX,
  TAG_KEY_MAX_LENGTH,
  TAG_VALUE_MAX_LENGTH,
} from './constants.js';
import { quote, typeName } from './describe.js';

/** A tag as stored and returned. A key-only tag has no `value` (or `value: ""` if the caller sent that). */
export interface Tag {
  key: string;
  value?: string;
}

/**
 * Characters allowed in tag keys and values: Unicode letters, numbers,
 * separators (spaces) and `_ . : / = + - @` (the AWS tagging pattern).
 */
export const TAG_CHARACTERS_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const TAG_CHAR = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]$/u;
const ALLOWED = 'Unicode letters, digits, spaces and + - = . _ : / @';
const KEY_RULE =
  `tag keys must be 1 to ${TAG_KEY_MAX_LENGTH} characters (${ALLOWED}) and must not start with '${RESERVED_TAG_KEY_PREFIX}'.`;
const VALUE_RULE = `tag values must be 0 to ${TAG_VALUE_MAX_LENGTH} characters (${ALLOWED}).`;

function badCharacter(value: string): string | undefined {
  for (const ch of value) {
    if (!TAG_CHAR.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      return `contains ${quote(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
    }
  }
  return undefined;
}

/** Throws unless `key` is a valid tag key. `where` locates it in the request for the message. */
function checkKey(key: unknown, where: string): string {
  if (key === undefined || key === null) throw new InvalidInputException(`Missing key in ${where}: ${KEY_RULE}`);
  if (typeof key !== 'string') {
    throw new InvalidInputException(`Invalid key in ${where}: expected a string, got ${typeName(key)}; ${KEY_RULE}`);
  }
  const length = [...key].length;
  let problem: string | undefined;
  if (length === 0) problem = 'it is empty';
  else if (length > TAG_KEY_MAX_LENGTH) problem = `it is ${length} characters long`;
  else problem = badCharacter(key);
  if (!problem && key.toLowerCase().startsWith(RESERVED_TAG_KEY_PREFIX)) {
    problem = `the prefix '${RESERVED_TAG_KEY_PREFIX}' is reserved for AWS`;
  }
  if (problem) throw new InvalidInputException(`Invalid tag key ${quote(key)} in ${where}: ${problem}; ${KEY_RULE}`);
  return key;
}

function checkValue(value: unknown, key: string, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidInputException(
      `Invalid value of tag ${quote(key)} in ${where}: expected a string, got ${typeName(value)}; ${VALUE_RULE}`);
  }
  const length = [...value].length;
  const problem = length > TAG_VALUE_MAX_LENGTH ? `it is ${length} characters long` : badCharacter(value);
  if (problem) {
    throw new InvalidInputException(`Invalid value ${quote(value)} of tag ${quote(key)} in ${where}: ${problem}; ${VALUE_RULE}`);
  }
  return value;
}

function requireList(value: unknown, member: string, what: string): unknown[] {
  if (value === undefined || value === null) throw new InvalidInputException(`Missing ${member}: expected a list of ${what}.`);
  if (!Array.isArray(value)) {
    throw new InvalidInputException(`Invalid ${member}: expected a list of ${what}, got ${typeName(value)}.`);
  }
  return value;
}

/**
 * Validates a `tags` member: a list of at most 50 `{key, value?}` objects with
 * valid, unique (case-sensitive) keys. Returns the tags normalised to
 * `{key}` or `{key, value}` (unknown members dropped; a null value is
 * treated as absent; `""` is kept as sent). An empty list is valid.
 */
export function validateTags(tags: unknown, memberName = 'tags'): Tag[] {
  const list = requireList(tags, memberName, 'tags ({key, value})');
  if (list.length > MAX_TAGS_PER_RESOURCE) {
    throw new InvalidInputException(
      `Invalid ${memberName}: ${list.length} tags were given; a resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
  }
  const seen = new Set<string>();
  const result: Tag[] = [];
  list.forEach((item, i) => {
    const where = `${memberName}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidInputException(
        `Invalid ${where}: expected an object with a key and an optional value, got ${typeName(item)}.`);
    }
    const record = item as Record<string, unknown>;
    const key = checkKey(record['key'], where);
    const value = checkValue(record['value'], key, where);
    if (seen.has(key)) {
      throw new InvalidInputException(
        `Invalid ${memberName}: the key ${quote(key)} appears more than once; tag keys must be unique (case-sensitive).`);
    }
    seen.add(key);
    result.push(value === undefined ? { key } : { key, value });
  });
  return result;
}

/**
 * Validates a `tagKeys` member (UntagResource): a list of valid tag keys.
 * Returns them with duplicates removed, in first-seen order. An empty list
 * is valid (nothing to remove).
 */
export function validateTagKeys(keys: unknown, memberName = 'tagKeys'): string[] {
  const list = requireList(keys, memberName, 'tag keys');
  const result: string[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = checkKey(item, `${memberName}[${i}]`);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(key);
    }
  });
  return result;
}

/**
 * Upserts `added` into `existing` by key (case-sensitive): a tag whose key
 * exists replaces it in place (value included: an added key-only tag drops
 * the old value), new keys are appended in order. Throws
 * InvalidInputException if the result would have more than 50 tags. Does not
 * modify its arguments.
 */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const result: Tag[] = existing.map(copyTag);
  const index = new Map<string, number>();
  result.forEach((tag, i) => index.set(tag.key, i));
  for (const tag of added) {
    const at = index.get(tag.key);
    if (at === undefined) {
      index.set(tag.key, result.length);
      result.push(copyTag(tag));
    } else {
      result[at] = copyTag(tag);
    }
  }
  if (result.length > MAX_TAGS_PER_RESOURCE) {
    throw new InvalidInputException(
      `The resource would have ${result.length} tags; a resource can have at most ${MAX_TAGS_PER_RESOURCE} tags. ` +
      'Remove tags with UntagResource first.');
  }
  return result;
}

/** Removes the tags whose key is in `keys` (case-sensitive). Does not modify its arguments. */
export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const drop = new Set(keys);
  return existing.filter((tag) => !drop.has(tag.key)).map(copyTag);
}

function copyTag(tag: Tag): Tag {
  return tag.value === undefined ? { key: tag.key } : { key: tag.key, value: tag.value };
}
