/**
 * What a release version may look like, for code that checks a version before it starts a
 * release (the release workflow and the `bluegreen` CLI refuse any other).
 */
import * as versions from './contract/version';

/**
 * A release version: 1 to 64 characters, letters, digits, `.`, `_` and `-`, starting with a
 * letter or digit. Safe in a shell word, an S3 key and a tag value.
 */
export const VERSION_PATTERN: RegExp = versions.VERSION_PATTERN;

/** Whether `value` is a version a release accepts (see `VERSION_PATTERN`). */
export function isValidVersion(value: unknown): value is string {
  return versions.isValidVersion(value);
}
