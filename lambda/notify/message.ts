/**
 * The notification of a release execution's status change: what happened, in words an operator
 * reads in an email subject and body. Pure: takes the EventBridge event's detail, returns text.
 *
 * Each part of the event is read defensively (input or output JSON may be missing, truncated or
 * malformed): a notification that says less is better than no notification.
 */
import { ROLLED_BACK_ERROR } from '../../lib/contract/errors';
import type { ReleaseRequest, ReleaseState, ReleaseSummary } from '../../lib/contract/release-state';

/** The `detail` of a "Step Functions Execution Status Change" event (source `aws.states`). */
export interface ExecutionStatusDetail {
  readonly executionArn?: string;
  readonly stateMachineArn?: string;
  readonly name?: string;
  readonly status?: string;
  /** Epoch milliseconds. */
  readonly startDate?: number | null;
  /** Epoch milliseconds; null while running. */
  readonly stopDate?: number | null;
  /** The execution input as a JSON string; null when too large to include. */
  readonly input?: string | null;
  /** The execution output as a JSON string; null unless the execution succeeded. */
  readonly output?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

export interface ExecutionStatusChangeEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail?: ExecutionStatusDetail;
}

export interface ReleaseNotification {
  /** At most 100 printable ASCII characters, one line (what SNS accepts as an email subject). */
  readonly subject: string;
  readonly message: string;
  /** The execution status, also sent as a message attribute that subscriptions can filter on. */
  readonly status: string;
}

/** SNS limits a subject to 100 characters. */
export const SUBJECT_MAX_LENGTH = 100;
/** A cause can be 32 KB of stack trace; the notification keeps the start of it. */
const CAUSE_MAX_LENGTH = 4000;

/** The subject and message of one status change of an execution of the release state machine. */
export function releaseNotification(detail: ExecutionStatusDetail, serviceTag: string): ReleaseNotification {
  const status = detail.status ?? 'UNKNOWN';
  const request = parseObject<ReleaseRequest>(detail.input);
  const output = parseObject<ReleaseState>(detail.output);
  const summary = summaryOf(output);
  const plan = isObject(output?.plan) ? output.plan : undefined;

  const action = actionOf(request, plan?.action);
  const version = textOf(summary?.version) ?? textOf(plan?.version) ?? textOf(request?.version);
  const liveColour =
    textOf(summary?.liveColour) ?? (status === 'SUCCEEDED' ? textOf(plan?.targetColour) : undefined);
  const outcome = outcomeOf(status, detail.error ?? undefined, summary);

  const subject = subjectLine(
    `[${serviceTag}] ${headline(status, action, version, liveColour, detail, summary)}`,
  );

  const lines: string[] = [
    `Service: ${serviceTag}`,
    `Action: ${action ?? 'unknown (the execution input could not be read)'}`,
    `Version: ${version ?? 'unknown'}`,
    `Outcome: ${outcome}`,
  ];
  if (liveColour) lines.push(`Live colour: ${liveColour}`);
  const previousVersion = textOf(summary?.previousVersion) ?? textOf(plan?.fromVersion);
  if (previousVersion) lines.push(`Previous version: ${previousVersion}`);
  const canary = canaryLine(summary, version);
  if (canary) lines.push(canary);
  const duration = durationOf(detail, summary);
  if (duration !== undefined) lines.push(`Duration: ${formatDuration(duration)}`);
  if (detail.error) lines.push(`Error: ${detail.error}`);
  if (detail.cause) lines.push(`Cause: ${truncate(detail.cause, CAUSE_MAX_LENGTH)}`);
  lines.push(`Execution: ${detail.name ?? 'unknown'}`);
  if (detail.executionArn) lines.push(`Execution ARN: ${detail.executionArn}`);
  if (isTime(detail.startDate)) lines.push(`Started: ${new Date(detail.startDate).toISOString()}`);
  if (isTime(detail.stopDate)) lines.push(`Stopped: ${new Date(detail.stopDate).toISOString()}`);

  return { subject, message: lines.join('\n') + '\n', status };
}

function headline(
  status: string,
  action: string | undefined,
  version: string | undefined,
  liveColour: string | undefined,
  detail: ExecutionStatusDetail,
  summary: ReleaseSummary | undefined,
): string {
  const on = liveColour ? ` (${liveColour} live)` : '';
  if (status === 'SUCCEEDED' && summary?.outcome === 'released')
    return `Released${version ? ` ${version}` : ''}${on}`;
  if (status === 'SUCCEEDED' && summary?.outcome === 'rolled-back') {
    return `Rolled back${version ? ` to ${version}` : ''}${on}`;
  }
  const what =
    action === 'rollback'
      ? `Rollback${version ? ` to ${version}` : ''}`
      : action === 'release'
        ? `Release${version ? ` of ${version}` : ''}`
        : `Execution ${detail.name ?? ''}`.trimEnd();
  switch (status) {
    case 'RUNNING':
      return `${what} started`;
    case 'SUCCEEDED':
      return `${what} succeeded`;
    case 'FAILED':
      return detail.error === ROLLED_BACK_ERROR ? `${what} failed and was rolled back` : `${what} failed`;
    case 'TIMED_OUT':
      return `${what} timed out`;
    case 'ABORTED':
      return `${what} aborted`;
    default:
      return `${what}: ${status}`;
  }
}

function outcomeOf(status: string, error: string | undefined, summary: ReleaseSummary | undefined): string {
  switch (status) {
    case 'RUNNING':
      return 'started';
    case 'SUCCEEDED':
      if (summary?.outcome === 'released') return 'released';
      if (summary?.outcome === 'rolled-back') return 'rolled back';
      return 'succeeded';
    case 'FAILED':
      return error === ROLLED_BACK_ERROR ? 'failed, rolled back automatically' : 'failed';
    case 'TIMED_OUT':
      return 'timed out (the execution ran past the state machine timeout)';
    case 'ABORTED':
      return 'aborted (the execution was stopped)';
    default:
      return status.toLowerCase();
  }
}

function actionOf(request: ReleaseRequest | undefined, planned: unknown): string | undefined {
  // A rollback after finalize becomes a release of the previous version: the request says what was asked.
  if (request) return request.action === 'rollback' ? 'rollback' : 'release';
  return planned === 'rollback' || planned === 'release' ? planned : undefined;
}

function summaryOf(output: ReleaseState | undefined): ReleaseSummary | undefined {
  const summary = output?.summary;
  return isObject(summary) ? summary : undefined;
}

/** The canary a finished release passed, when it ran one (a failure during it is named by the cause). */
function canaryLine(summary: ReleaseSummary | undefined, version: string | undefined): string | undefined {
  const canary = isObject(summary?.canary) ? summary.canary : undefined;
  if (typeof canary?.instances !== 'number' || typeof canary.durationSeconds !== 'number') return undefined;
  const instances = `${canary.instances} instance${canary.instances === 1 ? '' : 's'}`;
  return `Canary: passed (${instances}${version ? ` of ${version}` : ''} took traffic for ${formatDuration(canary.durationSeconds)} before the full scale-up)`;
}

/** Seconds: the workflow's own measure when it finished, else the execution's start to stop. */
function durationOf(detail: ExecutionStatusDetail, summary: ReleaseSummary | undefined): number | undefined {
  if (typeof summary?.durationSeconds === 'number' && Number.isFinite(summary.durationSeconds)) {
    return summary.durationSeconds;
  }
  if (isTime(detail.startDate) && isTime(detail.stopDate) && detail.stopDate >= detail.startDate) {
    return (detail.stopDate - detail.startDate) / 1000;
  }
  return undefined;
}

/** `45 s`, `7 min 32 s`, `1 h 2 min 5 s`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (rest > 0 || parts.length === 0) parts.push(`${rest} s`);
  return parts.join(' ');
}

/** One line of printable ASCII, at most 100 characters: SNS rejects anything else as a subject. */
export function subjectLine(text: string): string {
  const printable = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return truncate(printable, SUBJECT_MAX_LENGTH);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function parseObject<T>(json: string | null | undefined): T | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return isObject(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, else undefined: a malformed field is treated as unknown. */
function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTime(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
