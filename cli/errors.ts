/**
 * Everything the CLI reports on purpose. main.ts prints `lines` to stderr and exits with
 * `exitCode`; nothing else ever reaches the user as a stack trace.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export class CliError extends Error {
  constructor(
    readonly lines: string[],
    readonly exitCode: number = EXIT.failed,
    /** HTTP status and API error code when the error is an API answer. */
    readonly status?: number,
    readonly code?: string,
  ) {
    super(lines.join('\n'));
  }
}

/** Bad command line: the caller prints the usage line after the message, exit 2. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super([message], EXIT.usage);
  }
}

/** The API could not be reached at all (refused, DNS, reset, timeout). */
export class UnreachableError extends CliError {}
