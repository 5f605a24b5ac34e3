/**
 * The validator's decisions, pure: which lifecycle action an event names, what the probe's
 * invocation came back with, what a direct answer from an instance means, when to record a
 * heartbeat, what the user's validator said, and which AWS refusal means the action is already
 * over. The handler (index.ts) only reads AWS, invokes the probe and the user's function, calls
 * these and carries out what they return.
 */
import {
  holdsForRelease,
  LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE,
  LAUNCHING_TRANSITION,
  type InstanceAnswer,
  type LaunchLifecycleActionDetail,
  type SmokeCheckSpec,
  type UserValidatorAnswer,
} from '../../lib/contract/instance-validation';
import { TagKeys } from '../../lib/contract/tags';

/** What a synchronous invocation of a function came back with: its answer, or why there is none. */
export interface InvocationOutcome {
  /** The function's answer (its JSON payload, parsed). */
  readonly answer?: unknown;
  /** The function's error (`errorType: errorMessage`) or the failed call's (`name: message`). */
  readonly error?: string;
}

/** A check that did not pass: what was checked and what came back, in an operator's words. */
export interface CheckFailure {
  readonly check: string;
  readonly answer: string;
}

/** Longest body excerpt a failure record carries. */
export const BODY_EXCERPT_CHARS = 200;

/**
 * The lifecycle action an event names, or why it names none: only launch actions of the
 * service's own groups are validated (the rule matches exactly those; a test event or another
 * source is refused loudly rather than guessed about).
 */
export function lifecycleActionOf(
  event: unknown,
  groupNames: readonly string[],
): { readonly action?: LaunchLifecycleActionDetail; readonly ignored?: string } {
  const e = (event ?? {}) as { 'detail-type'?: unknown; detail?: Record<string, unknown> };
  if (e['detail-type'] !== LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE) {
    throw new Error(
      `event detail-type (${JSON.stringify(e['detail-type'])}) must be ${JSON.stringify(LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE)}`,
    );
  }
  const detail = e.detail ?? {};
  for (const field of [
    'LifecycleActionToken',
    'AutoScalingGroupName',
    'LifecycleHookName',
    'EC2InstanceId',
  ]) {
    if (typeof detail[field] !== 'string' || detail[field] === '') {
      throw new Error(`event detail.${field} (${JSON.stringify(detail[field])}) must be a non-empty string`);
    }
  }
  const action = detail as unknown as LaunchLifecycleActionDetail;
  if (action.LifecycleTransition !== undefined && action.LifecycleTransition !== LAUNCHING_TRANSITION) {
    return { ignored: `transition ${action.LifecycleTransition} is not a launch` };
  }
  if (!groupNames.includes(action.AutoScalingGroupName)) {
    return {
      ignored: `group ${action.AutoScalingGroupName} is not one of this service's (${groupNames.join(', ')})`,
    };
  }
  return { action };
}

/**
 * Whether a status is among the target group's healthy codes: `200`, `200,202` or `200-299`
 * (Elastic Load Balancing's matcher syntax).
 */
export function statusMatches(status: number, healthyCodes: string): boolean {
  return healthyCodes.split(',').some((part) => {
    const [low, high] = part.trim().split('-').map(Number);
    return high === undefined ? status === low : status >= low && status <= high;
  });
}

/**
 * The probe's answer to one direct request. An invocation that failed (the probe threw, timed out,
 * or could not be invoked) or answered something else is an `error` answer naming the probe: the
 * health poll then waits and asks again, a smoke check fails with it in its reason.
 */
export function probeAnswer(functionName: string, outcome: InvocationOutcome): InstanceAnswer {
  const probe = `the probe function ${functionName}`;
  if (outcome.error !== undefined) return { kind: 'error', message: `${probe} failed: ${outcome.error}` };
  if (isInstanceAnswer(outcome.answer)) return outcome.answer;
  return { kind: 'error', message: `${probe} answered ${JSON.stringify(outcome.answer) ?? 'nothing'}` };
}

function isInstanceAnswer(value: unknown): value is InstanceAnswer {
  const a = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  switch (a.kind) {
    case 'response':
      return Number.isInteger(a.status) && typeof a.body === 'string';
    case 'timeout':
      return typeof a.timeoutMs === 'number';
    case 'refused':
      return true;
    case 'error':
      return typeof a.message === 'string';
    default:
      return false;
  }
}

/** An answer in an operator's words: `status 500, body "oops"`, `timeout after 5000 ms`, `connection refused`. */
export function describeAnswer(answer: InstanceAnswer): string {
  switch (answer.kind) {
    case 'response':
      return `status ${answer.status}, body ${JSON.stringify(excerpt(answer.body))}`;
    case 'timeout':
      return `no answer within ${answer.timeoutMs} ms`;
    case 'refused':
      return 'connection refused';
    default:
      return `request failed: ${answer.message}`;
  }
}

function excerpt(body: string): string {
  const flat = body.trim();
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
}

/**
 * One poll of the health path: passed on a healthy code; otherwise wait for the next poll while
 * the validation has time left (an app that is starting refuses or answers 503), else the last
 * answer is the failure.
 */
export function judgeHealthPoll(
  path: string,
  answer: InstanceAnswer,
  healthyCodes: string,
  nowMs: number,
  deadlineMs: number,
  startedAtMs: number,
): 'passed' | 'wait' | CheckFailure {
  if (answer.kind === 'response' && statusMatches(answer.status, healthyCodes)) return 'passed';
  if (nowMs < deadlineMs) return 'wait';
  const waited = Math.round((nowMs - startedAtMs) / 1000);
  return {
    check: `GET ${path} (health check, wanted ${healthyCodes})`,
    answer: `${describeAnswer(answer)}; still so after ${waited} s`,
  };
}

/**
 * How long a request may wait: its own timeout, never past the validation's deadline; nothing left
 * is a failure of the check it was for (the instance took too long as a whole).
 */
export function requestBudget(
  check: string,
  timeoutMs: number,
  nowMs: number,
  deadlineMs: number,
  validationTimeoutSeconds: number,
): number | CheckFailure {
  const left = deadlineMs - nowMs;
  if (left < 1) {
    return { check, answer: `not run: the validation timeout (${validationTimeoutSeconds} s) ran out first` };
  }
  return Math.min(timeoutMs, left);
}

/** One smoke check: the expected status, and the body text when one is asked for. */
export function judgeSmokeCheck(check: SmokeCheckSpec, answer: InstanceAnswer): CheckFailure | undefined {
  const failure = { check: describeSmokeCheck(check), answer: describeAnswer(answer) };
  if (answer.kind !== 'response' || answer.status !== check.expectedStatus) return failure;
  if (check.bodyIncludes !== undefined && !answer.body.includes(check.bodyIncludes)) return failure;
  return undefined;
}

/** A smoke check in an operator's words: `GET /smoke (wanted 200 and a body with "ok")`. */
export function describeSmokeCheck(check: SmokeCheckSpec): string {
  const body =
    check.bodyIncludes !== undefined ? ` and a body with ${JSON.stringify(check.bodyIncludes)}` : '';
  return `GET ${check.path} (wanted ${check.expectedStatus}${body})`;
}

/** What the user's validator answered: a thrown error, or `{ ok: false, reason }`, fails the instance. */
export function judgeUserValidator(
  functionName: string,
  outcome: InvocationOutcome,
): CheckFailure | undefined {
  const check = `the validator function ${functionName}`;
  if (outcome.error !== undefined) return { check, answer: `failed: ${outcome.error}` };
  const answer = outcome.answer as UserValidatorAnswer | null | undefined;
  if (answer && typeof answer === 'object' && answer.ok === false) {
    return { check, answer: `answered not ok: ${answer.reason ?? 'no reason given'}` };
  }
  return undefined;
}

/**
 * A heartbeat is due once half the hook's heartbeat timeout has passed since the last one (or
 * since the action started): the action then never times out while the validator still works.
 */
export function heartbeatDue(lastBeatMs: number, nowMs: number, heartbeatTimeoutSeconds: number): boolean {
  return nowMs - lastBeatMs >= (heartbeatTimeoutSeconds * 1000) / 2;
}

/** The group's version and colour tags: what the launched instance runs. */
export function groupIdentity(tags: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>): {
  readonly version: string;
  readonly colour: string;
} {
  const tag = (key: string) => tags.find((t) => t.Key === key)?.Value ?? '';
  return { version: tag(TagKeys.version) || '(no version tag)', colour: tag(TagKeys.colour) };
}

/**
 * A validated instance's admission: held for its release (CheckHealth lets the whole new fleet in
 * at once) only when its group does not serve (role idle) AND a release of the version it runs
 * holds the lock; otherwise it joins at once. The lock is read strongly consistently, so a stale
 * role read after a swap cannot hold an instance nobody will let in (the release has moved on to
 * a version of its own or ended); the hook's heartbeat timeout bounds any hold anyway.
 */
export function admission(input: {
  readonly groupRole: string | undefined;
  readonly version: string;
  readonly lock: { readonly action?: string; readonly version?: string } | undefined;
}): 'hold' | 'continue' {
  const releasing = input.lock?.action === 'release' && input.lock.version === input.version;
  return holdsForRelease(input.groupRole) && releasing ? 'hold' : 'continue';
}
