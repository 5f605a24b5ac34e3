/**
 * The request stream: every virtual second, `requestsPerSecond` requests are spread round-robin
 * over the targets the load balancer routes to. Computed per second in aggregate: the cost is
 * O(min(requests, targets)) a second, whatever the fleet size.
 */
import type { Instance } from './instances';
import type { TargetGroup } from './target-group';

export interface TrafficSecond {
  /** Virtual ms of the second. */
  readonly time: number;
  /** Successful responses per version. */
  readonly served: Record<string, number>;
  /** Error responses (the app answered, but with an error) per version. */
  readonly failed: Record<string, number>;
  /**
   * Of the requests a healthy app served, those it answered with a 5xx, per version: the
   * version's own bug (a fault), not the release mechanism's; 5xx alarms count them.
   */
  readonly appErrors: Record<string, number>;
  /** Requests nobody answered: no target, or the routed instance's app was down. */
  readonly dropped: number;
  /**
   * Of `dropped`, those routed to an instance a fault impaired while its target still counted as
   * healthy (before the health checks noticed): the fault's doing, not the release's. Never counted
   * when the load balancer failed open.
   */
  readonly droppedByFault: number;
  /** The load balancer routed to unhealthy targets because none was healthy. */
  readonly failOpen: boolean;
}

export type RequestOutcome =
  /** `errorFraction`: the share of these requests the app answers with a 5xx (0 when absent). */
  | { kind: 'served'; version: string; errorFraction?: number }
  | { kind: 'failed'; version: string }
  /** `fault`: the instance's app is down because a fault impaired it. */
  | { kind: 'dropped'; fault?: boolean };

export class TrafficStats {
  public total = 0;
  public dropped = 0;
  public readonly servedByVersion: Record<string, number> = {};
  public readonly failedByVersion: Record<string, number> = {};
  /** Virtual ms of the first and last second each version served a request. */
  public readonly firstServedAt: Record<string, number> = {};
  public readonly lastServedAt: Record<string, number> = {};
  public failOpenSeconds = 0;
  public readonly perSecond: TrafficSecond[] = [];

  /** Requests served successfully, by one version or by all. */
  public served(version?: string): number {
    if (version !== undefined) return this.servedByVersion[version] ?? 0;
    return sum(this.servedByVersion);
  }

  /** Error responses, by one version or by all. */
  public failed(version?: string): number {
    if (version !== undefined) return this.failedByVersion[version] ?? 0;
    return sum(this.failedByVersion);
  }

  /** Seconds in which at least one request was dropped. */
  public secondsWithDrops(): number {
    return this.perSecond.filter((s) => s.dropped > 0).length;
  }

  /** @internal */
  public addSecond(second: TrafficSecond): void {
    this.perSecond.push(second);
    this.dropped += second.dropped;
    this.total += second.dropped;
    if (second.failOpen) this.failOpenSeconds += 1;
    for (const [version, n] of Object.entries(second.served)) {
      this.total += n;
      this.servedByVersion[version] = (this.servedByVersion[version] ?? 0) + n;
      if (this.firstServedAt[version] === undefined) this.firstServedAt[version] = second.time;
      this.lastServedAt[version] = second.time;
    }
    for (const [version, n] of Object.entries(second.failed)) {
      this.total += n;
      this.failedByVersion[version] = (this.failedByVersion[version] ?? 0) + n;
    }
  }
}

export class TrafficRouter {
  private cursor = 0;

  constructor(
    private readonly stats: TrafficStats,
    private readonly requestsPerSecond: number,
    private readonly outcome: (instance: Instance) => RequestOutcome,
  ) {}

  /** Routes one second of requests to `group` (undefined: no load balancer target at all). */
  public routeSecond(time: number, group: TargetGroup | undefined): void {
    const served: Record<string, number> = {};
    const failed: Record<string, number> = {};
    const appErrors: Record<string, number> = {};
    let dropped = 0;
    let droppedByFault = 0;
    const requests = this.requestsPerSecond;
    const routable = group?.routable();
    const targets = routable?.targets ?? [];
    const failOpen = routable?.failOpen ?? false;
    const add = (instance: Instance, n: number): void => {
      if (n === 0) return;
      const result = this.outcome(instance);
      if (result.kind === 'dropped') {
        dropped += n;
        if (result.fault && !failOpen) droppedByFault += n;
        return;
      }
      if (result.kind === 'failed') {
        failed[result.version] = (failed[result.version] ?? 0) + n;
        return;
      }
      const errors = Math.round(n * (result.errorFraction ?? 0));
      if (errors > 0) appErrors[result.version] = (appErrors[result.version] ?? 0) + errors;
      if (n > errors) served[result.version] = (served[result.version] ?? 0) + n - errors;
    };
    if (targets.length === 0) {
      dropped = requests;
    } else {
      const m = targets.length;
      const each = Math.floor(requests / m);
      const extra = requests % m;
      const start = this.cursor % m;
      if (each > 0) {
        for (let i = 0; i < m; i++) add(targets[i].instance, each + (inWindow(i, start, extra, m) ? 1 : 0));
      } else {
        for (let k = 0; k < extra; k++) add(targets[(start + k) % m].instance, 1);
      }
      this.cursor = (start + extra) % m;
    }
    this.stats.addSecond({ time, served, failed, appErrors, dropped, droppedByFault, failOpen });
  }
}

/** Whether index i is among the `count` indices starting at `start` (wrapping at m). */
function inWindow(i: number, start: number, count: number, m: number): boolean {
  return (i - start + m) % m < count;
}

function sum(record: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(record)) n += v;
  return n;
}
