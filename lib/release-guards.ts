/**
 * What can stop a release after the swap: rollback alarms watched during the bake (the user's
 * own plus a default alarm on the target group's 5xx rate) and optional approval gates.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ServiceMetrics } from './service-metrics';
import type { ApprovalGate, ApprovalOutcome } from './workflow/release-definition';
import { PropsValidator, quote } from './validation';

export type { ApprovalGate, ApprovalOutcome } from './workflow/release-definition';

/** An approval a person gives (`bluegreen approve`) before the release goes on. */
export interface ApprovalOptions {
  /**
   * Where the execution stops and waits: before the swap (the new group is healthy, the old one
   * still serves) and/or before finalize (after the bake, while the old group is still warm).
   * @default ['swap']
   */
  readonly gates?: readonly ApprovalGate[];
  /**
   * How long a request waits for an answer (1 minute to 7 days).
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * What an unanswered request becomes: `reject` rolls the release back.
   * @default 'reject'
   */
  readonly onTimeout?: ApprovalOutcome;
}

export const APPROVAL_DEFAULTS = {
  gates: ['swap'] as readonly ApprovalGate[],
  timeout: Duration.hours(1),
  onTimeout: 'reject' as ApprovalOutcome,
};

export const APPROVAL_GATES: readonly ApprovalGate[] = ['swap', 'finalize'];
const APPROVAL_OUTCOMES: readonly ApprovalOutcome[] = ['approve', 'reject'];
/** Step Functions keeps an execution at most a year; a week is plenty for a person to answer. */
const APPROVAL_TIMEOUT_LIMITS = { min: 60, max: 7 * 86400 };

/** The 5xx rate above which the default alarm fires, in percent of requests over one minute. */
export const DEFAULT_MAX_TARGET_5XX_PERCENT = 5;

export interface GuardProps {
  readonly approval?: ApprovalOptions;
  readonly maxTarget5xxPercent?: number;
  readonly rollbackAlarms?: readonly cloudwatch.IAlarm[];
}

export function validateGuardProps(validator: PropsValidator, props: GuardProps): void {
  const percent = props.maxTarget5xxPercent;
  if (percent !== undefined && !(percent > 0 && percent <= 100)) {
    validator.addProblem(`maxTarget5xxPercent (${percent}) must be above 0 and at most 100`);
  }
  const approval = props.approval;
  if (!approval) return;
  const gates = approval.gates ?? APPROVAL_DEFAULTS.gates;
  if (gates.length === 0) validator.addProblem('approval.gates ([]) must name at least one gate');
  for (const gate of gates) {
    if (!APPROVAL_GATES.includes(gate)) {
      validator.addProblem(`approval.gates (${quote(gate)}) must be one of ${APPROVAL_GATES.join(', ')}`);
    }
  }
  if (approval.onTimeout !== undefined && !APPROVAL_OUTCOMES.includes(approval.onTimeout)) {
    validator.addProblem(
      `approval.onTimeout (${quote(approval.onTimeout)}) must be one of ${APPROVAL_OUTCOMES.join(', ')}`,
    );
  }
  validator.secondsBetween(
    'approval.timeout',
    approval.timeout,
    APPROVAL_TIMEOUT_LIMITS.min,
    APPROVAL_TIMEOUT_LIMITS.max,
  );
}

/**
 * Fires when more than `maxPercent` of the target group's requests in a minute got a 5xx from a
 * target. Minutes without requests or without errors count as 0 %, never as missing data.
 */
export function createTarget5xxAlarm(
  scope: Construct,
  metrics: ServiceMetrics,
  maxPercent: number,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'Target5xxAlarm', {
    metric: metrics.target5xxRate({ period: Duration.minutes(1) }),
    threshold: maxPercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `More than ${maxPercent}% of requests got a 5xx from a target in one minute: a release in its bake rolls back.`,
  });
}
