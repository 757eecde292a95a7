/**
 * Ways to break the authentication of a request the hostile-input suite
 * would otherwise sign correctly: no signature, junk Authorization headers,
 * wrong keys, clocks, services or Regions, and signatures over something
 * other than what is sent.
 */
import fc from 'fast-check';
import { REGIONS } from '../../src/catalog/regions.js';
import { AUTH_ERRORS } from './checks.js';
import { CONTENT_TYPE, hasControlCharacters, type Exchange } from './harness.js';
import { hostileString } from './hostile-values.js';
import { preview } from './json-text.js';
import { latin1OfUtf8 } from './wire.js';

/** Labels the signed-variants property tests by name, to skip cases where the breaker changes nothing. */
export const SIGNED_POISONED_SENT_PLAIN = 'signed a poisoned body, sent the unpoisoned one';
export const SIGNED_EMPTY_SENT_BODY = 'signed {}, sent the body';
export const SIGNED_OTHER_TARGET = 'signed GetRegions, sent the real target';

export type Breaker = { label: string; apply: (x: Exchange, unpoisoned: Buffer) => Exchange; errors?: string[]; transport?: boolean };
const minutes = 60_000;
export const signatureBreaker: fc.Arbitrary<Breaker> = fc.oneof(
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
    label: SIGNED_POISONED_SENT_PLAIN,
    apply: (x, unpoisoned) => ({ ...x, signedBody: x.body, body: unpoisoned }),
  }),
  fc.constant<Breaker>({ label: SIGNED_EMPTY_SENT_BODY, apply: (x) => ({ ...x, signedBody: Buffer.from('{}') }) }),
  fc.constant<Breaker>({
    label: SIGNED_OTHER_TARGET,
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
