/** Exit codes are part of samctl's interface (see `samctl --help`). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  renewalDue: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type samctl raises on purpose: `message` names the problem,
 * `hint` the fix. cli.ts turns it into stderr lines and an exit code.
 */
export class SamctlError extends Error {
  readonly hint?: string;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: { hint?: string; exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SamctlError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
  }
}

/** Bad usage or input: exit 2. */
export function usageError(message: string, hint?: string): SamctlError {
  return new SamctlError(message, { hint, exitCode: ExitCode.usage });
}

/** The operation itself failed: exit 1. */
export function operationError(message: string, hint?: string, cause?: unknown): SamctlError {
  return new SamctlError(message, { hint, exitCode: ExitCode.failed, cause });
}
