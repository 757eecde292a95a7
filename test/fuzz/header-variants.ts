/**
 * Header variants for the hostile-input suite: unknown, repeated or missing
 * targets, odd content types, oversized or numerous headers, control
 * characters, headers that touch the signature.
 */
import fc from 'fast-check';
import { IMPLEMENTED_OPERATIONS } from '../../src/services/index.js';
import { AUTH_ERRORS } from './checks.js';
import { hasControlCharacters } from './harness.js';
import { hostileString } from './hostile-values.js';
import { preview } from './json-text.js';
import { ADMIN_OPERATION, targetOf } from './model-shapes.js';
import { latin1OfUtf8 } from './wire.js';

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
export type HeaderVariant = { label: string; edit: (lines: Array<[string, string]>, target: string) => Array<[string, string]>; transport?: boolean; errors?: string[] };
const replaceTarget = (lines: Array<[string, string]>, value: string | undefined) => {
  const rest = lines.filter(([name]) => name !== 'x-amz-target');
  return value === undefined ? rest : [...rest, ['x-amz-target', value] as [string, string]];
};
export const headerVariant: fc.Arbitrary<HeaderVariant> = fc.oneof(
  fc.constant<HeaderVariant>({ label: 'no target', edit: (lines) => replaceTarget(lines, undefined), errors: ['UnknownOperationException'] }),
  unknownTarget.map<HeaderVariant>((t) => ({
    label: `target ${preview(t, 80)}`,
    edit: (lines) => replaceTarget(lines, t),
    transport: hasControlCharacters(t),
    errors: ['UnknownOperationException'],
  })),
  fc.constantFrom(2, 3).map<HeaderVariant>((n) => ({
    label: `target ${n} times`,
    edit: (lines, target) => [...lines.filter(([name]) => name !== 'x-amz-target'), ...Array.from({ length: n }, () => ['x-amz-target', target] as [string, string])],
    errors: ['UnknownOperationException'],
  })),
  unknownTarget.map<HeaderVariant>((t) => ({
    label: 'target twice, the second unknown',
    edit: (lines) => [...lines, ['x-amz-target', t]],
    transport: hasControlCharacters(t),
    errors: ['UnknownOperationException'],
  })),
  fc.constantFrom(undefined, 'text/plain', 'application/json', 'application/x-amz-json-1.0', 'multipart/form-data; boundary=x', '', 'application/x-amz-json-1.1; charset=latin1', latin1OfUtf8('t\u00e9xt/\u{1f418}')).map<HeaderVariant>((ct) => ({
    label: `content-type ${String(ct)}`,
    edit: (lines) => [...lines.filter(([name]) => name !== 'content-type'), ...(ct === undefined ? [] : [['content-type', ct] as [string, string]])],
  })),
  fc.constant<HeaderVariant>({ label: 'content-type twice', edit: (lines) => [...lines, ['content-type', 'text/plain']] }),
  fc.integer({ min: 1, max: 12_000 }).map<HeaderVariant>((n) => ({ label: `a ${n}-byte extra header`, edit: (lines) => [...lines, ['x-fuzz-pad', 'p'.repeat(n)]] })),
  fc.integer({ min: 17_000, max: 80_000 }).map<HeaderVariant>((n) => ({ label: `a ${n}-byte header (over Node's limit)`, edit: (lines) => [...lines, ['x-fuzz-pad', 'p'.repeat(n)]], transport: true })),
  fc.integer({ min: 50, max: 1500 }).map<HeaderVariant>((n) => ({
    label: `${n} extra headers`,
    edit: (lines) => [...lines, ...Array.from({ length: n }, (_, i) => [`x-fuzz-${i}`, String(i)] as [string, string])],
    transport: true,
  })),
  fc.constantFrom('\u0000', '\u0001', '\u007f', '\r').map<HeaderVariant>((c) => ({
    label: `control character ${JSON.stringify(c)} in the target`,
    edit: (lines, target) => replaceTarget(lines, `${target}${c}x`),
    transport: true,
    errors: ['UnknownOperationException'],
  })),
  fc.constantFrom('x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'user-agent', 'x-amz-user-agent', 'expect').map<HeaderVariant>((name) => ({
    label: `odd header ${name}`,
    edit: (lines) => [...lines, [name, name === 'expect' ? '100-continue' : name === 'x-amz-content-sha256' ? 'UNSIGNED-PAYLOAD' : 'fuzz']],
    errors: [...AUTH_ERRORS],
    transport: name === 'expect',
  })),
);
