/** Where the CLI writes: injected, so tests run `main` in-process and read what it printed. */
export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** stdout is a terminal: `--follow` draws a live display instead of printing plain lines. */
  readonly isTTY: boolean;
  /** The terminal the live display draws on (process.stdout when it is a TTY). */
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
