/**
 * Exit codes and the one line a refused command prints. Everything refused here is refused before
 * anything is changed: the only mutating calls are StartExecution and SendTaskSuccess/Failure,
 * and they come last.
 */

export const ExitCode = {
  /** Released, rolled back, approval sent, status or history shown. */
  ok: 0,
  /** The execution failed, timed out, was aborted, or the release was rolled back. */
  failed: 1,
  /** Bad input or environment: nothing was changed. */
  badInput: 2,
} as const;

/** Bad input or a missing precondition: one line on stderr, exit 2, nothing changed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that could not finish after it changed something: its own exit code and line. */
export class CommandFailed extends Error {
  constructor(
    message: string,
    public readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}

/**
 * The one line for an error that stopped a command before it changed anything: AWS's own words,
 * prefixed with the flag and value they concern where that is known.
 */
export function refusalLine(error: unknown, context: { flag?: string; value?: string } = {}): string {
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = firstLine((error as { message?: string })?.message ?? String(error));
  if (error instanceof UsageError || error instanceof CommandFailed) return message;
  if (message === 'Region is missing') {
    return 'no AWS region: pass --region or set AWS_REGION (or try it offline with --rehearse)';
  }
  if (name === 'CredentialsProviderError') {
    return `no AWS credentials: ${message} (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or try it offline with --rehearse)`;
  }
  const subject = context.flag ? `${context.flag} (${context.value}): ` : '';
  return name === 'Error' ? `${subject}${message}` : `${subject}${name}: ${message}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
