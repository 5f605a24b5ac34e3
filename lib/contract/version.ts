/**
 * The one definition of what a release version may look like.
 *
 * Used by construct prop validation, the Prepare step and the CLI. The boot script
 * (lib/boot/boot.sh) repeats it in bash; test/boot proves both accept and refuse the same strings.
 * The pattern keeps versions safe to place in a shell word, an S3 key and a tag value.
 */
import { INVALID_REQUEST_ERROR } from './errors';

export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The same pattern as a string, for messages and for the boot script's test. */
export const VERSION_PATTERN_SOURCE = VERSION_PATTERN.source;

export function isValidVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION_PATTERN.test(value);
}

/** Throws an error that names the field and shows the refused value (quoted, truncated). */
export function assertValidVersion(field: string, value: unknown): string {
  if (!isValidVersion(value)) {
    throw new InvalidRequestError(`${field} (${describeValue(value)}) must match ${VERSION_PATTERN_SOURCE}`);
  }
  return value;
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A request that can never succeed; raised before any AWS call that changes anything. */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = INVALID_REQUEST_ERROR;
  }
}
