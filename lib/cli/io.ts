/** Where the CLI writes: injected, so tests run `main` in-process and read what it printed. */
export interface TextSink {
  /** Writes text as it is (lines end with `\n`). */
  write(text: string): unknown;
}

/** Where a `bluegreen` command writes. */
export interface CliIo {
  /** Results: one `key=value` line per change with `--follow`, tables for `status` and `history`. */
  readonly stdout: TextSink;
  /** The one line of a refused or failed command. */
  readonly stderr: TextSink;
  /** stdout is a terminal: `--follow` draws a live display instead of printing plain lines. */
  readonly isTTY: boolean;
  /**
   * The terminal the live display draws on (process.stdout when it is a TTY).
   * @default - no live display: plain lines
   */
  readonly terminal?: NodeJS.WriteStream;
}

/** Writes lines to one sink. */
export class Printer {
  constructor(private readonly sink: TextSink) {}

  public line(text = ''): void {
    this.sink.write(`${text}\n`);
  }

  public lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }
}
