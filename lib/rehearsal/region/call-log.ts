/** Every API call the region answered, for benchmarks (mutating calls per API) and timelines. */
export interface CallStats {
  readonly service: string;
  readonly command: string;
  /** True when the command changes state (a write). */
  readonly mutating: boolean;
  count: number;
  /** Calls failed on purpose by `faults.failCalls`. */
  errorsInjected: number;
  /** All calls that ended in an AWS error, injected ones included. */
  errorsReturned: number;
}

export interface CallRecord {
  /** Virtual time of the call. */
  readonly time: number;
  readonly service: string;
  readonly command: string;
  readonly mutating: boolean;
  /** `ok`, or the error name the caller received. */
  readonly outcome: string;
  readonly injected: boolean;
}

export class CallLog {
  private readonly stats = new Map<string, CallStats>();
  private readonly records: CallRecord[] = [];

  /** @internal */
  public record(entry: CallRecord): void {
    const key = `${entry.service}.${entry.command}`;
    let stats = this.stats.get(key);
    if (!stats) {
      stats = {
        service: entry.service,
        command: entry.command,
        mutating: entry.mutating,
        count: 0,
        errorsInjected: 0,
        errorsReturned: 0,
      };
      this.stats.set(key, stats);
    }
    stats.count += 1;
    if (entry.injected) stats.errorsInjected += 1;
    if (entry.outcome !== 'ok') stats.errorsReturned += 1;
    this.records.push(entry);
  }

  /** Stats of one `service.command`, zeroes if it was never called. */
  public get(service: string, command: string): Readonly<CallStats> {
    return (
      this.stats.get(`${service}.${command}`) ?? {
        service,
        command,
        mutating: false,
        count: 0,
        errorsInjected: 0,
        errorsReturned: 0,
      }
    );
  }

  /** Stats per `service.command`, sorted by key. */
  public all(): Readonly<CallStats>[] {
    return [...this.stats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => ({ ...s }));
  }

  /** `service.command` → number of calls, writes only. */
  public mutatingCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.all()) if (s.mutating) out[`${s.service}.${s.command}`] = s.count;
    return out;
  }

  public get total(): number {
    return this.records.length;
  }

  public get mutatingTotal(): number {
    let n = 0;
    for (const s of this.stats.values()) if (s.mutating) n += s.count;
    return n;
  }

  /** Every call in order. */
  public history(): readonly CallRecord[] {
    return this.records;
  }
}
