import { describe, expect, it } from 'vitest';
import { ThrottlingException } from '../api/errors.js';
import { FailureThrottle } from './failure-throttle.js';

describe('FailureThrottle', () => {
  const setup = () => {
    let now = 1_000_000;
    const throttle = new FailureThrottle({ burst: 3, refillPerSecond: 1 }, () => now);
    return { throttle, advance: (ms: number) => (now += ms) };
  };
  const fail = (throttle: FailureThrottle, ip: string, key: string | undefined, times: number) => {
    for (let i = 0; i < times; i++) throttle.recordFailure(ip, key);
  };

  it('throttles a key id from the address that keeps failing it, and nobody else', () => {
    const { throttle } = setup();
    fail(throttle, '10.0.0.1', 'AKROOT', 3);
    expect(() => throttle.check('10.0.0.1', 'AKROOT', true)).toThrow(ThrottlingException);
    // The same key from another address, another known key from the same address: untouched.
    expect(() => throttle.check('10.0.0.2', 'AKROOT', true)).not.toThrow();
    expect(() => throttle.check('10.0.0.1', 'AKOTHER', true)).not.toThrow();
    // Unknown key ids from the failing address are throttled, from elsewhere not.
    expect(() => throttle.check('10.0.0.1', 'AKMADEUP', false)).toThrow(/address 10\.0\.0\.1/);
    expect(() => throttle.check('10.0.0.2', 'AKMADEUP', false)).not.toThrow();
  });

  it('gives one attempt back per second, up to the burst', () => {
    const { throttle, advance } = setup();
    fail(throttle, '10.0.0.1', 'AKROOT', 3);
    advance(999);
    expect(() => throttle.check('10.0.0.1', 'AKROOT', true)).toThrow(ThrottlingException);
    advance(1);
    expect(() => throttle.check('10.0.0.1', 'AKROOT', true)).not.toThrow();
    throttle.recordFailure('10.0.0.1', 'AKROOT');
    expect(() => throttle.check('10.0.0.1', 'AKROOT', true)).toThrow(ThrottlingException);
    advance(60_000);
    fail(throttle, '10.0.0.1', 'AKROOT', 2);
    expect(() => throttle.check('10.0.0.1', 'AKROOT', true)).not.toThrow();
  });

  it('answers with a modelled throttling error that says when to retry', () => {
    const { throttle } = setup();
    fail(throttle, '10.0.0.1', undefined, 3);
    const error = (() => {
      try {
        throttle.check('10.0.0.1', undefined, false);
      } catch (caught) {
        return caught as ThrottlingException;
      }
      throw new Error('not throttled');
    })();
    expect(error.toBody()).toMatchObject({ __type: 'ThrottlingException', code: 'Throttling' });
    expect(error.message).toBe('Too many requests with failed signatures for the address 10.0.0.1: try again in 1 s.');
  });
});
