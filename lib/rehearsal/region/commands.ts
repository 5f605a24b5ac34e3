import { notSimulated } from './errors';

/** SDK v3 input of one command, as the caller passed it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandInput = Record<string, any>;

/** One simulated API command. */
export interface Command {
  /** True when the command changes state (counted apart in the call log). */
  readonly mutating: boolean;
  /** Input members the simulation understands; any other member is refused, never ignored. */
  readonly params: readonly string[];
  run(input: CommandInput): Record<string, unknown>;
}

export type CommandTable = Record<string, Command>;

/** Refuses input members the simulation does not model (undefined members are ignored, like the SDK does). */
export function checkParams(service: string, command: string, spec: Command, input: CommandInput): void {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!spec.params.includes(key)) throw notSimulated(`${service}.${command} parameter ${key}`);
  }
}

/** Opaque pagination tokens: the offset of the next page. */
export function pageOf<T>(
  items: readonly T[],
  maxRecords: number,
  nextToken: string | undefined,
  invalidToken: () => Error,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const match = /^sim-page-(\d+)$/.exec(nextToken);
    if (!match) throw invalidToken();
    start = Number(match[1]);
  }
  const page = items.slice(start, start + maxRecords);
  const end = start + page.length;
  return end < items.length ? { page, nextToken: `sim-page-${end}` } : { page };
}
