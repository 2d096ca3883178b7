import { expect } from 'vitest';
import { SamctlError } from '../../src/errors.js';

/** What a pure function's refusal says: its SamctlError's line and exit code (fails the test when it does not refuse). */
export function refusal(run: () => unknown): { message: string; exitCode: number } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SamctlError);
    return { message: (err as SamctlError).message, exitCode: (err as SamctlError).exitCode };
  }
  throw new Error('expected a refusal');
}
