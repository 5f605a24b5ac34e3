import type { ExecutionEvent, RehearsalExecution } from './executions';
import {
  activeInstances,
  capacityViolations,
  GroupView,
  outcomeViolations,
  ServiceView,
  settledViolations,
  suspendedProcessViolations,
  TrafficSecond,
  trafficViolations,
  type OutcomeClaim,
} from './invariants';
import { OutcomeTracker } from './outcome-tracker';
import { unvalidatedServingViolations } from './region/launch-validation';
import type { SimulatedRegion } from './region/region';
import type { TrafficSecond as RoutedSecond } from './region';
import { serviceView } from './region-view';
import { settledScope } from './settled-scope';
import type { VirtualClock } from './virtual-clock';

export interface TimelineEntry {
  /** Virtual epoch ms. */
  readonly time: number;
  readonly execution: string;
  readonly state: string;
  readonly text: string;
}

/** What the monitor reads about the executions: the runner. */
export interface MonitoredExecutions {
  /** Every execution, in start order. */
  list(): readonly RehearsalExecution[];
  /** Lambda invocations not returned yet, those of stopped executions included. */
  inFlight(): number;
}

/** An outcome claim, with the service as it was when its execution ended. */
interface PendingClaim {
  readonly claim: OutcomeClaim;
  readonly viewAtEnd: ServiceView;
}

/**
 * Watches the simulated region while executions run: checks the traffic invariants every virtual
 * second, and whenever nothing runs (no execution, no Lambda in flight) the settled invariants and
 * the outcomes reported (only the traffic ones after a stopped execution); writes the timeline.
 */
export class ServiceMonitor {
  public readonly timeline: TimelineEntry[] = [];
  public readonly traffic: TrafficSecond[] = [];
  private readonly found: string[] = [];
  private readonly allowed = new Set<string>();
  public readonly origin: number;
  private readonly outcomes = new OutcomeTracker();
  private readonly pendingClaims = new Map<RehearsalExecution, PendingClaim>();
  private executions: MonitoredExecutions = { list: () => [], inFlight: () => 0 };
  /** Bumped by every start, end and finished invocation: a settled check runs once per quiet spell. */
  private activity = 0;
  private checkedActivity = -1;
  private routedSeconds = 0;
  private trafficStarted = false;
  private lastLine = '';
  private lineTraffic: Record<string, number> = {};
  private lineDropped = 0;
  /** Instances already reported for taking user requests unvalidated (each once). */
  private readonly reportedUnvalidated = new Set<string>();

  constructor(
    private readonly region: SimulatedRegion,
    private readonly clock: VirtualClock,
    private readonly minCapacity: number,
    private readonly lockTables: readonly string[],
    private readonly log?: (line: string) => void,
  ) {
    this.origin = clock.now();
    clock.every(1000, () => this.checkSecond());
    region.observeCalls({
      after: (call) => {
        if (call.mutating) this.observeRest();
      },
    });
  }

  /** The executions to watch (the runner, created after the monitor). */
  public watch(executions: MonitoredExecutions): void {
    this.executions = executions;
  }

  public onStart(execution: RehearsalExecution): void {
    this.activity += 1;
    const view = this.view();
    this.outcomes.observe(view, this.clock.now());
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
    const all = this.executions.list();
    const earlier = all.slice(0, Math.max(0, all.indexOf(execution)));
    // Just started, it has no invocation yet: any in flight belongs to another execution.
    this.outcomes.onStart(execution, view, this.executions.inFlight(), earlier);
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

  /** An execution ended (its status is final): what it reports is taken down, then the settled checks may run. */
  public onExecutionEnded(execution: RehearsalExecution): void {
    this.activity += 1;
    if (!this.pendingClaims.has(execution)) {
      const claim = this.outcomes.claimOf(execution);
      if (claim) this.pendingClaims.set(execution, { claim, viewAtEnd: this.view() });
    }
    this.checkSettled();
  }

  /** A Lambda invocation returned or threw (also one of a stopped execution). */
  public onInvocationEnded(): void {
    this.activity += 1;
    this.checkSettled();
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

  /** The versions the service served at rest so far, oldest first (what rollbacks are checked against). */
  public stableVersions(): readonly string[] {
    return this.outcomes.stableVersions();
  }

  public elapsed(time: number): string {
    return formatElapsed(time - this.origin);
  }

  private observeRest(): void {
    this.outcomes.observe(this.view(), this.clock.now());
  }

  /**
   * Nothing runs and nothing is in flight: the outcomes reported since the last check are compared
   * with what serves, and unless the service was left by a stopped execution, every settled
   * invariant is checked. Once per quiet spell.
   */
  private checkSettled(): void {
    const executions = this.executions.list();
    const busy = this.executions.inFlight() > 0 || executions.some((e) => e.status === 'RUNNING');
    if (executions.length === 0 || busy || this.checkedActivity === this.activity) return;
    this.checkedActivity = this.activity;
    const view = this.view();
    this.outcomes.observe(view, this.clock.now());
    const scope = settledScope(executions);
    const subject = scope.kind === 'full' ? executions[scope.subject] : undefined;
    if (subject) {
      const problems = [...settledViolations(view, this.minCapacity), ...suspendedProcessViolations(view)];
      if (subject.status === 'SUCCEEDED') {
        problems.push(...capacityViolations(view, this.requiredCapacity(subject, executions)));
      }
      for (const problem of problems) this.violation(`after ${subject.name}: ${problem}`);
    }
    for (const [execution, pending] of this.pendingClaims) {
      // The execution the service is left by answers for it now; any other, for when it ended.
      const against = execution === subject ? view : pending.viewAtEnd;
      for (const problem of outcomeViolations(pending.claim, against))
        this.violation(`after ${execution.name}: ${problem}`);
    }
    this.pendingClaims.clear();
    if (!subject) return;
    this.allowed.clear();
    const live = view.groups.find((g) => g.role === 'live' && activeInstances(g).length > 0);
    if (live?.version) this.allowed.add(live.version);
  }

  /** The service's minimum, or less when the releases asked for less. */
  private requiredCapacity(subject: RehearsalExecution, executions: readonly RehearsalExecution[]): number {
    const asked = [subject, ...[...executions].reverse()]
      .map((e) => e.input?.capacity)
      .find((c): c is number => typeof c === 'number');
    return Math.min(this.minCapacity, asked ?? this.minCapacity);
  }

  /** Takes the seconds the region's request stream routed since the last call. */
  private checkSecond(): void {
    const routed = this.region.traffic.perSecond;
    for (; this.routedSeconds < routed.length; this.routedSeconds++)
      this.checkTraffic(routed[this.routedSeconds]);
    this.checkLaunchValidation();
    this.observeRest();
  }

  private checkTraffic(routed: RoutedSecond): void {
    const servedByVersion = Object.fromEntries(Object.entries(routed.served).filter(([, n]) => n > 0));
    // The service is in service once a healthy target answered: requests served only by the
    // load balancer's fail-open while the very first fleet boots do not start the count.
    if (Object.keys(servedByVersion).length > 0 && !routed.failOpen) this.trafficStarted = true;
    // An error answer (fail-open to an instance whose app is down) fails a user like a drop. A
    // request lost to an instance a fault impaired, before the health checks noticed, is the fault's.
    const failed = Object.values(routed.failed).reduce((total, n) => total + n, 0);
    const second: TrafficSecond = {
      time: routed.time,
      servedByVersion,
      dropped: this.trafficStarted ? routed.dropped - routed.droppedByFault + failed : 0,
    };
    this.traffic.push(second);
    for (const [version, count] of Object.entries(servedByVersion)) {
      this.lineTraffic[version] = (this.lineTraffic[version] ?? 0) + count;
    }
    this.lineDropped += second.dropped;
    if (this.executions.list().length === 0 && this.allowed.size === 0) return;
    for (const problem of trafficViolations(second, this.allowed)) {
      this.violation(`at ${formatElapsed(second.time - this.origin)}: ${problem}`);
    }
  }

  /**
   * With launch lifecycle hooks, no user request reaches an instance that was not validated
   * (region/launch-validation.ts); without hooks the region reports nothing and this is a no-op.
   */
  private checkLaunchValidation(): void {
    const fresh = this.region.unvalidatedServing().filter((f) => !this.reportedUnvalidated.has(f.instanceId));
    for (const found of fresh) this.reportedUnvalidated.add(found.instanceId);
    for (const problem of unvalidatedServingViolations(fresh)) {
      this.violation(`at ${formatElapsed(this.clock.now() - this.origin)}: ${problem}`);
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
