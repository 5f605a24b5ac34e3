/**
 * Execution names: readable and unique per second, `release-1.2.0-20260101T120000Z` or
 * `rollback-20260101T120000Z`. Step Functions allows 1-80 characters, none of them whitespace,
 * brackets, wildcards or `" # % \ ^ | ~ \` $ & , ; : /`; a version (letters, digits, `. _ -`)
 * and the compact UTC stamp never contain them.
 */
const MAX_NAME_LENGTH = 80;

export function utcStamp(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function executionName(
  action: 'release' | 'rollback',
  version: string | undefined,
  epochMs: number,
): string {
  const stamp = utcStamp(epochMs);
  if (action === 'rollback' || version === undefined) return `${action}-${stamp}`;
  const room = MAX_NAME_LENGTH - `${action}--${stamp}`.length;
  return `${action}-${version.slice(0, room)}-${stamp}`;
}
