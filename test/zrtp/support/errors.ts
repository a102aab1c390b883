/**
 * The ZrtpError a synchronous call throws, for tests that then check its stable code (and, for
 * errors sent on the wire, its RFC 6189 §5.9 protocol code). Fails the test when nothing or
 * anything else is thrown.
 */
import { expect } from 'vitest';
import { ZrtpError } from '../../../src/zrtp/errors.ts';

export function zrtpErrorOf(fn: () => unknown): ZrtpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ZrtpError, got ${String(caught)}`).toBeInstanceOf(ZrtpError);
  return caught as ZrtpError;
}
