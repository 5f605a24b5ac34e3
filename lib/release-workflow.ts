// PLACEHOLDER: being written by the lead; only the props interface below is fixed.
import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ReleaseArtifactLocation {
  readonly bucket: s3.IBucket;
  /** Prefix of `<prefix><version>.<extension>`, e.g. `releases/`. */
  readonly keyPrefix: string;
  /** e.g. `tar.gz` */
  readonly extension: string;
}

export interface ReleaseWorkflowProps {
  readonly blue: autoscaling.AutoScalingGroup;
  readonly green: autoscaling.AutoScalingGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Value of the `bluegreen:service` tag on both groups; IAM conditions use it. */
  readonly serviceTag: string;
  /** MinSize of the live group between releases. */
  readonly minCapacity: number;
  /** MaxSize of each group. */
  readonly maxCapacity: number;
  /** Capacity of the first release when the request names none. */
  readonly defaultCapacity: number;
  /** @default Duration.minutes(15) */
  readonly healthTimeout?: Duration;
  /** @default Duration.minutes(5) */
  readonly bakeTime?: Duration;
  /** Seconds between health polls. @default - the target group's health-check interval */
  readonly pollInterval?: Duration;
  /** Set in artifact mode: Prepare refuses a version whose artifact is missing. @default - no check */
  readonly artifact?: ReleaseArtifactLocation;
}

export class ReleaseWorkflow extends Construct {
  public readonly stateMachine!: sfn.StateMachine;
  constructor(scope: Construct, id: string, props: ReleaseWorkflowProps) {
    super(scope, id);
    void props;
  }
  public grantStartRelease(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }
}
