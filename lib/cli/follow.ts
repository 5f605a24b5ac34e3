/**
 * `--follow`: polls the execution's history for the steps it enters and what they output, reads
 * the healthy/wanted instances of the group being brought up directly from Auto Scaling and the
 * target group (a step may poll for a minute inside one invocation), and hands each observation
 * to a display until the execution ends. Approval requests are shown, and in a rehearsal answered.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describeCanary } from '../contract/canary';
import type { CliEnvironment } from './environment';
import { describeExecution, readEventsAfter } from './execution-reader';
import { groupHealth, readGroups, readTargetHealth } from './fleet-reader';
import { followPace, nextPollDelayMs, shouldReadFleet } from './follow-pace';
import {
  executionEnd,
  findPendingApproval,
  stateOutput,
  stepEntered,
  type ExecutionEnd,
  type PendingApproval,
  type ReleaseStateView,
  type StepEntered,
} from './history-events';
import type { LocatedService } from './locate';
import { executionOutcome, type ExecutionOutcome } from './outcome';
import type { ProgressDisplay } from './render/display';

export interface FollowRequest {
  readonly executionArn: string;
  /** `release 1.2.0`, `rollback`. */
  readonly heading: string;
  readonly service: LocatedService;
  /** Answers an approval request in the operator's place (the rehearsal does). */
  readonly answerApproval?: (pending: PendingApproval) => Promise<void>;
  /** Stops following as soon as an approval request waits (sets up `approve`/`reject` in a rehearsal). */
  readonly stopAtApproval?: boolean;
}

export interface FollowResult {
  readonly outcome: ExecutionOutcome;
  /** The approval request it stopped at (with `stopAtApproval`). */
  readonly waitingFor?: PendingApproval;
}

interface Health {
  readonly healthy: number;
  readonly wanted: number;
}

/** What the history read so far says, pure: accumulates events in order. */
export class ExecutionView {
  public readonly events: HistoryEvent[] = [];
  public lastId = 0;
  public startedAt?: number;
  /** The release state the latest step left. */
  public lastOutput?: ReleaseStateView;
  public current?: StepEntered;
  public ended?: ExecutionEnd;

  /** Adds events (oldest first); returns the steps they enter, each with whether a plan was known then. */
  public add(events: readonly HistoryEvent[]): { step: StepEntered; planned: boolean }[] {
    const entered: { step: StepEntered; planned: boolean }[] = [];
    for (const event of events) {
      this.events.push(event);
      this.lastId = Math.max(this.lastId, event.id ?? 0);
      if (event.type === 'ExecutionStarted') this.startedAt = event.timestamp?.getTime();
      this.lastOutput = stateOutput(event) ?? this.lastOutput;
      const step = stepEntered(event);
      if (step) {
        entered.push({ step, planned: this.lastOutput?.plan !== undefined });
        this.current = step;
      }
      this.ended = executionEnd(event) ?? this.ended;
    }
    return entered;
  }

  public pendingApproval(executionArn: string): PendingApproval | undefined {
    return this.ended ? undefined : findPendingApproval([...this.events].reverse(), executionArn).found;
  }
}

export async function followExecution(
  env: CliEnvironment,
  request: FollowRequest,
  display: ProgressDisplay,
): Promise<FollowResult> {
  await display.begin(request.heading);
  try {
    return await followToTheEnd(env, request, display);
  } finally {
    await display.close();
  }
}

async function followToTheEnd(
  env: CliEnvironment,
  request: FollowRequest,
  display: ProgressDisplay,
): Promise<FollowResult> {
  const view = new ExecutionView();
  const shownApprovals = new Set<string>();
  let health: Health | undefined;
  const pace = followPace(env.pollMs);
  let delayMs = pace.baseMs;
  let fleetReadAt: number | undefined;
  for (;;) {
    const events = await readEventsAfter(env, request.executionArn, view.lastId);
    const entered = view.add(events);
    const now = env.now();
    const since = view.startedAt ?? now;
    // Read while it runs; the steps seen in the poll that saw it end keep the last reading.
    const sawNew = events.length > 0;
    const fleetAge = fleetReadAt === undefined ? undefined : now - fleetReadAt;
    if (!view.ended && view.lastOutput?.plan && shouldReadFleet(pace, view.current?.name, sawNew, fleetAge)) {
      health = await readHealth(env, view.lastOutput);
      fleetReadAt = now;
    }
    for (const { step, planned } of entered) {
      display.observe({
        time: step.time,
        step: step.name,
        ...(planned ? health : {}),
        elapsedSeconds: (step.time - since) / 1000,
        canary: describeCanary(view.lastOutput, step.time),
      });
    }
    if (entered.length === 0 && view.current && !view.ended) {
      display.observe({
        time: now,
        step: view.current.name,
        ...health,
        elapsedSeconds: (now - since) / 1000,
        canary: describeCanary(view.lastOutput, now),
      });
    }

    const pending = view.pendingApproval(request.executionArn);
    if (pending && !shownApprovals.has(pending.taskToken)) {
      shownApprovals.add(pending.taskToken);
      display.approvalWaiting(env.now(), pending, request.service.selector);
      if (request.stopAtApproval) {
        return { outcome: await outcomeOf(env, request, view), waitingFor: pending };
      }
      if (request.answerApproval) await request.answerApproval(pending);
    }
    if (view.ended) break;
    delayMs = nextPollDelayMs(pace, delayMs, sawNew);
    await env.sleep(delayMs);
  }
  const outcome = await outcomeOf(env, request, view);
  await display.end(outcome, env.now());
  return { outcome };
}

/** Reads of DescribeExecution, one poll apart, until it agrees with a history that shows the end. */
const STALE_DESCRIBE_READS = 10;

async function outcomeOf(
  env: CliEnvironment,
  request: FollowRequest,
  view: ExecutionView,
): Promise<ExecutionOutcome> {
  let described = await describeExecution(env, request.executionArn);
  // DescribeExecution is eventually consistent (docs/aws-model.md, "API behaviour"): after the
  // history showed the end it may still answer RUNNING for a while, so it is read again.
  for (let read = 1; view.ended && described.status === 'RUNNING' && read < STALE_DESCRIBE_READS; read++) {
    await env.sleep(env.pollMs);
    described = await describeExecution(env, request.executionArn);
  }
  return executionOutcome(described, view.lastOutput, env.now());
}

/**
 * Healthy and wanted instances of the group being brought up: the release's target group (wanted:
 * the canary's instances during a canary, else the planned capacity), or during a rollback the old
 * group being restored (wanted: its instances that are not leaving).
 */
async function readHealth(env: CliEnvironment, state: ReleaseStateView): Promise<Health | undefined> {
  const plan = state.plan!;
  const restoring = state.rollback !== undefined && plan.fromGroupName !== undefined;
  const groupName = restoring ? plan.fromGroupName! : plan.targetGroupName;
  const [group] = await readGroups(env, [groupName]);
  if (!group || group.targetGroupArns.length === 0) return undefined;
  const targetHealth = await readTargetHealth(env, group.targetGroupArns[0]);
  const { healthy, active } = groupHealth(group, targetHealth);
  const planned = state.phase === 'canary' && plan.canary ? plan.canary.instances : plan.capacity;
  return { healthy, wanted: restoring ? active : planned };
}
