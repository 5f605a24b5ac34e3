import { ROLLED_BACK_ERROR } from '../contract/errors';
import { AFTER_FINALIZE_HOOK_FAILED_ERROR } from '../contract/release-hooks';
import type { RehearsalExecution } from './executions';
import {
  midReleaseReasons,
  restorableVersions,
  stableLiveVersion,
  type OutcomeClaim,
  type RollbackContext,
  type ServiceView,
} from './invariants';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function isRollback(execution: RehearsalExecution): boolean {
  return execution.input?.action === 'rollback';
}

interface Started {
  /** Another execution ran at some point while it did. */
  othersRan: boolean;
  /** For a rollback: what it could know at its start. */
  rollback?: Mutable<RollbackContext>;
}

/**
 * Follows which versions the service served at rest, and what each execution could know while it
 * ran, so that an execution's reported outcome becomes a claim `outcomeViolations` can check.
 */
export class OutcomeTracker {
  private readonly stable: string[] = [];
  private atRest = false;
  /** Virtual ms when the service last came to rest (or changed version at rest). */
  private restSince = Number.NEGATIVE_INFINITY;
  private readonly started = new Map<RehearsalExecution, Started>();

  /** The versions served at rest so far, oldest first. */
  public stableVersions(): readonly string[] {
    return this.stable;
  }

  /** Looks at the service: call after anything that may change it. */
  public observe(view: ServiceView, now: number): void {
    const version = stableLiveVersion(view);
    if (version === undefined) {
      this.atRest = false;
      return;
    }
    if (!this.atRest || this.stable.at(-1) !== version) this.restSince = now;
    if (this.stable.at(-1) !== version) this.stable.push(version);
    this.atRest = true;
  }

  /**
   * An execution started. `inFlight`: Lambda invocations of other executions (stopped ones
   * included) not returned yet. `earlier`: the executions started before it.
   */
  public onStart(
    execution: RehearsalExecution,
    view: ServiceView,
    inFlight: number,
    earlier: readonly RehearsalExecution[],
  ): void {
    const running = [...this.started].filter(([e]) => e !== execution && e.status === 'RUNNING');
    for (const [, other] of running) {
      other.othersRan = true;
      if (other.rollback) other.rollback.racing = true;
    }
    const entry: Started = { othersRan: running.length > 0 };
    this.started.set(execution, entry);
    if (!isRollback(execution)) return;
    const joined = running.flatMap(([, other]) => (other.rollback ? restorableVersions(other.rollback) : []));
    entry.rollback = {
      stableVersions: [...this.stable],
      midRelease: midReleaseReasons(view).length > 0,
      lockLeft: view.lockHeld && running.length === 0,
      racing: running.length > 0 || inFlight > 0,
      afterAnotherRollback: earlier.some((e) => isRollback(e) && e.startedAt >= this.restSince),
      ...(joined.length > 0 ? { joined: [...new Set(joined)] } : {}),
    };
  }

  /** What an ended execution claims about the service or its refusal, if anything. */
  public claimOf(execution: RehearsalExecution): OutcomeClaim | undefined {
    const name = execution.name;
    const started = this.started.get(execution);
    const rollback = started?.rollback ?? {
      stableVersions: this.stable,
      midRelease: true,
      racing: true,
      afterAnotherRollback: true,
    };
    if (execution.status === 'SUCCEEDED') {
      const summary = execution.output?.summary;
      const version = typeof summary?.version === 'string' ? summary.version : '';
      if (summary?.outcome === 'released') return { kind: 'released', execution: name, version };
      if (summary?.outcome !== 'rolled-back') return undefined;
      return { kind: 'rolled-back', execution: name, version, restorable: restorableVersions(rollback) };
    }
    if (execution.status !== 'FAILED') return undefined;
    if (execution.error === 'ReleaseInProgress') {
      return { kind: 'refused-in-progress', execution: name, othersRan: started?.othersRan ?? true };
    }
    if (execution.error === 'InvalidRequest' && isRollback(execution)) {
      return {
        kind: 'rollback-refused',
        execution: name,
        midRelease: rollback.midRelease,
        lockLeft: rollback.lockLeft === true,
        racing: rollback.racing,
      };
    }
    const version = execution.input?.version;
    // Finalize succeeded before the afterFinalize hook failed: the execution failed loudly, but
    // its version was released and must be what serves.
    if (execution.error === AFTER_FINALIZE_HOOK_FAILED_ERROR && typeof version === 'string') {
      return { kind: 'released', execution: name, version };
    }
    if (execution.error === ROLLED_BACK_ERROR && !isRollback(execution) && typeof version === 'string') {
      return { kind: 'release-rolled-back', execution: name, version };
    }
    return undefined;
  }
}
