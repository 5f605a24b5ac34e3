import type { ExecutionEvent, RehearsalExecution } from './executions';
import {
  activeInstances,
  GroupView,
  ServiceView,
  settledViolations,
  TrafficSecond,
  trafficViolations,
} from './invariants';
import type { SimulatedRegion } from './region/region';
import type { TrafficSecond as RoutedSecond } from './region';
import { serviceView } from './region-view';
import type { VirtualClock } from './virtual-clock';

export interface TimelineEntry {
  /** Virtual epoch ms. */
  readonly time: number;
  readonly execution: string;
  readonly state: string;
  readonly text: string;
}

/**
 * Watches the simulated region while executions run: checks the traffic invariants every virtual
 * second, the settled invariants whenever no execution runs, and writes the timeline.
 */
export class ServiceMonitor {
  public readonly timeline: TimelineEntry[] = [];
  public readonly traffic: TrafficSecond[] = [];
  private readonly found: string[] = [];
  private readonly allowed = new Set<string>();
  public readonly origin: number;
  private running = new Set<RehearsalExecution>();
  private routedSeconds = 0;
  private trafficStarted = false;
  private lastLine = '';
  private lineTraffic: Record<string, number> = {};
  private lineDropped = 0;

  constructor(
    private readonly region: SimulatedRegion,
    private readonly clock: VirtualClock,
    private readonly minCapacity: number,
    private readonly lockTables: readonly string[],
    private readonly log?: (line: string) => void,
  ) {
    this.origin = clock.now();
    clock.every(1000, () => this.checkSecond());
  }

  public onStart(execution: RehearsalExecution): void {
    this.running.add(execution);
    const view = this.view();
    for (const group of view.groups) {
      for (const version of [
        group.version,
        group.previousVersion,
        ...group.instances.map((i) => i.version),
      ]) {
        if (version) this.allowed.add(version);
      }
    }
    if (typeof execution.input?.version === 'string') this.allowed.add(execution.input.version);
  }

  public onEvent(execution: RehearsalExecution, event: ExecutionEvent): void {
    if (event.type !== 'StateEntered' || !['Task', 'Succeed', 'Fail'].includes(event.stateType ?? '')) return;
    const summary = describeService(this.view());
    const served = Object.entries(this.lineTraffic).filter(([, n]) => n > 0);
    const total = served.reduce((sum, [, n]) => sum + n, 0);
    const share = total ? served.map(([v, n]) => `${v} ${Math.round((100 * n) / total)}%`).join(' ') : '-';
    const line = `${execution.name} ${event.state} ${summary}`;
    const repeat = line === this.lastLine;
    this.lastLine = line;
    if (repeat) return;
    const text = `${formatElapsed(event.time - this.origin)}  ${execution.name.padEnd(12)} ${String(event.state).padEnd(16)} ${summary} | served ${share} | dropped ${this.lineDropped}`;
    this.lineTraffic = {};
    this.lineDropped = 0;
    this.timeline.push({ time: event.time, execution: execution.name, state: event.state ?? '', text });
    this.log?.(text);
  }

  /** Call when an execution has ended: checks the settled invariants if nothing else runs. */
  public onSettled(execution: RehearsalExecution): void {
    if (!this.running.delete(execution)) return;
    for (const other of this.running) if (other.status !== 'RUNNING') this.running.delete(other);
    // A stopped execution leaves the service mid-way by definition: the next one must reconcile it.
    if (this.running.size > 0 || execution.status === 'ABORTED') return;
    const view = this.view();
    for (const problem of settledViolations(view, this.minCapacity))
      this.violation(`after ${execution.name}: ${problem}`);
    this.allowed.clear();
    const live = view.groups.find((g) => g.role === 'live' && activeInstances(g).length > 0);
    if (live?.version) this.allowed.add(live.version);
  }

  /** A line in the timeline that is not a state (a scenario's check, a fault injected). */
  public note(text: string): void {
    const line = `${formatElapsed(this.clock.now() - this.origin)}  ${text}`;
    this.timeline.push({ time: this.clock.now(), execution: '', state: '', text: line });
    this.log?.(line);
  }

  public violations(): string[] {
    return [...this.found];
  }

  public view(): ServiceView {
    return serviceView(this.region, this.lockTables);
  }

  public elapsed(time: number): string {
    return formatElapsed(time - this.origin);
  }

  /** Takes the seconds the region's request stream routed since the last call. */
  private checkSecond(): void {
    const routed = this.region.traffic.perSecond;
    for (; this.routedSeconds < routed.length; this.routedSeconds++)
      this.checkTraffic(routed[this.routedSeconds]);
  }

  private checkTraffic(routed: RoutedSecond): void {
    const servedByVersion = Object.fromEntries(Object.entries(routed.served).filter(([, n]) => n > 0));
    if (Object.keys(servedByVersion).length > 0) this.trafficStarted = true;
    // An error answer (fail-open to an instance whose app is down) fails a user like a drop.
    const failed = Object.values(routed.failed).reduce((total, n) => total + n, 0);
    const second: TrafficSecond = {
      time: routed.time,
      servedByVersion,
      dropped: this.trafficStarted ? routed.dropped + failed : 0,
    };
    this.traffic.push(second);
    for (const [version, count] of Object.entries(servedByVersion)) {
      this.lineTraffic[version] = (this.lineTraffic[version] ?? 0) + count;
    }
    this.lineDropped += second.dropped;
    if (this.running.size === 0 && this.allowed.size === 0) return;
    for (const problem of trafficViolations(second, this.allowed)) {
      this.violation(`at ${formatElapsed(second.time - this.origin)}: ${problem}`);
    }
  }

  private violation(text: string): void {
    this.found.push(text);
    this.log?.(`INVARIANT BROKEN ${text}`);
  }
}

export function describeService(view: ServiceView): string {
  const groups = view.groups.map(describeGroup).join(' | ');
  const targets = countBy(view.targets.map((t) => t.state));
  return `${groups} | targets ${formatCounts(targets) || 'none'}`;
}

function describeGroup(group: GroupView): string {
  const states = countBy(group.instances.map((i) => i.lifecycleState.replace(/:.*/, '')));
  return `${group.colour ?? group.name} ${group.role ?? 'untagged'} ${group.version ?? '-'} [${formatCounts(states) || 'empty'}]`;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, n]) => `${n} ${key}`)
    .join(', ');
}

export function formatElapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `+${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
