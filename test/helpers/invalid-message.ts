import { expect } from 'vitest';
import { InvalidInputException } from '../../src/api/errors.js';

/** Runs `fn`, expects an InvalidInputException and returns its message. */
export function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputException);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidInputException, nothing was thrown');
}
