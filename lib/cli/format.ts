/** Small pure formatters shared by the commands and the progress displays. */

/** `45s`, `5m12s`, `2h03m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** UTC, to the second: `2026-01-01T00:10:00Z`. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type FieldValue = string | number | boolean | undefined;

/**
 * `key=value` pairs on one line, in order; undefined values are left out; a value with spaces,
 * quotes, `=` or nothing at all is JSON-quoted, so every line splits back unambiguously.
 */
export function keyValueLine(fields: readonly (readonly [string, FieldValue])[]): string {
  return fields
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quoteIfNeeded(String(value))}`)
    .join(' ');
}

function quoteIfNeeded(value: string): string {
  return value === '' || /[\s"'=\\]/.test(value) ? JSON.stringify(value) : value;
}

/** Rows as left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

/** At most `max` characters, an ellipsis marking a cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `n thing` / `n things`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
