import {
  Arn,
  ArnFormat,
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  Tags,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CANARY_DURATION_LIMITS } from './contract/canary';
import { ENV } from './contract/environment';
import { RECORD_EXPIRY_ATTRIBUTE } from './contract/lock-table';
import { BAKE_LIMITS, HEALTH_TIMEOUT_LIMITS } from './contract/request';
import { RELEASE_STEPS, type ReleaseStepName } from './contract/steps';
import { TagKeys } from './contract/tags';
import { ApprovalSettings, buildReleaseDefinition } from './workflow/release-definition';
import type { ReleaseHookOptions } from './workflow/release-hooks';
import { RELEASE_HOOK_POINTS } from './contract/release-hooks';
import {
  RELEASE_HOOK_DEFAULTS,
  RELEASE_HOOK_TIMEOUT_LIMITS,
  validateReleaseHooks,
  type ReleaseHooks,
} from './release-hooks';
import { canaryNumberText, type CanaryOptions } from './release-canary';
import { PropsValidator, wildcardResourceFinding } from './validation';
import { StepFunction } from './workflow/step-function';

/** Where the release artifacts are, for Prepare to refuse a version whose artifact is missing. */
export interface ReleaseArtifactLocation {
  /** The bucket of the artifacts. */
  readonly bucket: s3.IBucket;
  /** Prefix of `<prefix><version>.<extension>`, e.g. `releases/`. */
  readonly keyPrefix: string;
  /** e.g. `tar.gz` */
  readonly extension: string;
}

/** Props of a `ReleaseWorkflow`: the two groups it moves between and how releases behave. */
export interface ReleaseWorkflowProps {
  /** The blue group. */
  readonly blue: autoscaling.AutoScalingGroup;
  /** The green group. */
  readonly green: autoscaling.AutoScalingGroup;
  /** The target group both groups register with. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Value of the `bluegreen:service` tag on both groups. */
  readonly serviceTag: string;
  /** MinSize of the live group between releases. */
  readonly minCapacity: number;
  /** MaxSize of each group. */
  readonly maxCapacity: number;
  /** Capacity of the first release when the request names none. */
  readonly defaultCapacity: number;
  /**
   * How long a release waits for every new instance to turn healthy before it rolls back.
   * @default Duration.minutes(15)
   */
  readonly healthTimeout?: Duration;
  /**
   * How long the old fleet stays warm in Standby after the swap, while the rollback alarms are watched.
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;
  /** Time between health polls. @default Duration.seconds(5) */
  readonly pollInterval?: Duration;
  /**
   * How long one invocation of CheckHealth or WatchBake keeps polling before handing back to the
   * state machine (three transitions per hand-back instead of per poll).
   * @default Duration.seconds(60)
   */
  readonly pollBudget?: Duration;
  /** Set in artifact mode: Prepare refuses a version whose artifact is missing. @default - no check */
  readonly artifact?: ReleaseArtifactLocation;
  /** Alarms watched during the bake; one in ALARM rolls the release back. @default - none */
  readonly rollbackAlarms?: readonly cloudwatch.IAlarm[];
  /**
   * Where a release waits for a person's approval, and for how long.
   * @default - no approval gate
   */
  readonly approval?: ApprovalSettings;
  /**
   * User functions invoked at named points of every release (migrations, smoke tests).
   * @default - no release hook
   */
  readonly hooks?: ReleaseHooks;
  /**
   * New instances are validated before traffic (lib/instance-validation.ts): CheckHealth then
   * lets a release's validated fleet into the target group at once, and rolls the release back on
   * a validation failure recorded for the new group's version. `heartbeatTimeout`: how long a
   * held lifecycle action may wait.
   * @default - no pre-traffic validation
   */
  readonly instanceValidation?: { readonly heartbeatTimeout: Duration };
  /**
   * A canary phase before every release's full scale-up (validated by `BlueGreenService`).
   * @default - no canary
   */
  readonly canary?: CanaryOptions;
}

/** Tags the workflow writes; the only keys its roles may set on the groups. */
const WORKFLOW_TAG_KEYS = [TagKeys.version, TagKeys.role, TagKeys.previousVersion];

/**
 * The release workflow: a Step Functions state machine whose Lambda steps scale up the idle
 * group, wait until it is healthy, move the live group to Standby, bake, finalize, and roll back.
 * A DynamoDB item is the service's lock (a conditional write is atomic; ListExecutions is not).
 */
export class ReleaseWorkflow extends Construct {
  /** The release state machine: start an execution with `{"version": "..."}` to release. */
  public readonly stateMachine: sfn.StateMachine;
  /** The table of the service's lock item: every write to it is a compare-and-swap. */
  public readonly lockTable: dynamodb.Table;
  /** The step functions by step name. */
  public readonly steps: Readonly<Record<ReleaseStepName, lambda.Function>>;

  constructor(scope: Construct, id: string, props: ReleaseWorkflowProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    validateReleaseHooks(validator, props.hooks);
    validator.throwIfInvalid();
    const hooks = releaseHookOptions(props.serviceTag, props.hooks);
    const healthTimeout = props.healthTimeout ?? Duration.minutes(15);
    const bakeTime = props.bakeTime ?? Duration.minutes(5);
    const pollInterval = props.pollInterval ?? Duration.seconds(5);
    const pollBudget = props.pollBudget ?? Duration.seconds(60);
    const rollbackAlarms = props.rollbackAlarms ?? [];

    this.lockTable = new dynamodb.Table(this, 'LockTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The pre-traffic validator's records expire (RECORD_EXPIRY_ATTRIBUTE); the lock item never does.
      timeToLiveAttribute: RECORD_EXPIRY_ATTRIBUTE,
      // Holds one lock item and nothing else worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const environment: Record<string, string> = {
      [ENV.serviceTag]: props.serviceTag,
      [ENV.blueGroupName]: props.blue.autoScalingGroupName,
      [ENV.greenGroupName]: props.green.autoScalingGroupName,
      [ENV.targetGroupArn]: props.targetGroup.targetGroupArn,
      [ENV.lockTableName]: this.lockTable.tableName,
      [ENV.minCapacity]: String(props.minCapacity),
      [ENV.maxCapacity]: String(props.maxCapacity),
      [ENV.defaultCapacity]: String(props.defaultCapacity),
      [ENV.healthTimeoutSeconds]: secondsText('healthTimeout', healthTimeout),
      [ENV.bakeSeconds]: secondsText('bakeTime', bakeTime),
      [ENV.pollSeconds]: String(pollInterval.toSeconds()),
      [ENV.pollBudgetSeconds]: String(pollBudget.toSeconds()),
    };
    if (rollbackAlarms.length > 0) {
      environment[ENV.rollbackAlarmNames] = Stack.of(this).toJsonString(
        rollbackAlarms.map((a) => a.alarmName),
      );
    }
    if (props.instanceValidation) {
      environment[ENV.instanceValidation] = String(props.instanceValidation.heartbeatTimeout.toSeconds());
    }
    if (props.canary) {
      environment[ENV.canaryInstances] = canaryNumberText(props.canary.instances);
      environment[ENV.canarySeconds] = secondsText('canary.duration', props.canary.duration);
    }
    if (props.artifact) {
      environment[ENV.artifactBucket] = props.artifact.bucket.bucketName;
      environment[ENV.artifactKeyPrefix] = props.artifact.keyPrefix;
      environment[ENV.artifactExtension] = props.artifact.extension;
    }

    const step = (name: ReleaseStepName, description: string, timeout?: Duration) =>
      new StepFunction(this, RELEASE_STEPS[name].functionId, {
        step: name,
        description,
        environment,
        timeout,
      });
    this.steps = {
      prepare: step('prepare', 'Validate a release request, read the groups, take the lock.'),
      'scale-up': step('scale-up', 'Tag the idle group with the version and scale it up.'),
      'check-health': step(
        'check-health',
        'Poll until the idle group is healthy on the target group.',
        pollBudget.plus(Duration.seconds(30)),
      ),
      'watch-bake': step(
        'watch-bake',
        'Poll the rollback alarms until the bake ends.',
        pollBudget.plus(Duration.seconds(30)),
      ),
      swap: step('swap', 'Move the live group to Standby in batches of 20.', Duration.minutes(10)),
      finalize: step('finalize', 'Terminate the Standby fleet and release the lock.', Duration.minutes(10)),
      rollback: step(
        'rollback',
        'Converge back to the last good group, one step per call.',
        Duration.minutes(10),
      ),
    };

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildReleaseDefinition(this, this.steps, {
          pollBudget,
          approval: props.approval,
          hooks,
          canary: props.canary !== undefined,
          instanceValidation: props.instanceValidation !== undefined,
        }),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: executionTimeout(healthTimeout, bakeTime, props.approval, hooks, props.canary),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    // Lets the CLI find the groups of the service a state machine releases.
    Tags.of(this.stateMachine).add(TagKeys.service, props.serviceTag);
    this.grantStepPermissions(props, rollbackAlarms);
    this.acknowledgeHookInvokeGrants(hooks);
  }

  /**
   * The state machine's role may invoke exactly the hook functions: each hook's Task grants
   * `lambda:InvokeFunction` on its function (and, as `grantInvoke` does, its versions and aliases).
   */
  private acknowledgeHookInvokeGrants(hooks: ReleaseHookOptions | undefined): void {
    const functions = new Set(Object.values(hooks?.points ?? {}).map((hook) => hook.function));
    for (const fn of functions) {
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[${wildcardResourceFinding(this, `${fn.functionArn}:*`)}]`,
        reason:
          'Step Functions may invoke the versions and aliases of a release hook function, and no other function (CDK LambdaInvoke grant).',
      });
    }
  }

  /** Lets the grantee start releases and rollbacks (both are executions) and follow them. */
  public grantStartRelease(grantee: iam.IGrantable): iam.Grant {
    const start = this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantRead(grantee);
    return start;
  }

  /**
   * What the `bluegreen` CLI needs: start and follow executions, answer approval gates, read the
   * state machine's tags, the groups and the target health, and the stack's outputs.
   */
  public grantOperate(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantStartRelease(grantee);
    this.stateMachine.grantTaskResponse(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:ListTagsForResource'],
      resourceArns: [this.stateMachine.stateMachineArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudformation:DescribeStacks'],
      resourceArns: [Stack.of(this).stackId],
    });
    // Describe calls of Auto Scaling and ELB have no resource-level permissions.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['autoscaling:DescribeAutoScalingGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      resourceArns: ['*'],
    });
    return grant;
  }

  private grantStepPermissions(
    props: ReleaseWorkflowProps,
    rollbackAlarms: readonly cloudwatch.IAlarm[],
  ): void {
    const groupArns = [props.blue.autoScalingGroupArn, props.green.autoScalingGroupArn];
    const steps = this.steps;
    // WatchBake reads alarms and the lock only: no Auto Scaling or load balancer access, unless it
    // also watches a canary (whose instances' health it reads).
    const all = Object.values(steps).filter((fn) => props.canary || fn !== steps['watch-bake']);
    if (rollbackAlarms.length > 0) {
      steps['watch-bake'].addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: rollbackAlarms.map((alarm) => alarm.alarmArn),
        }),
      );
    }

    // Describe calls of Auto Scaling and ELB do not support resource-level permissions.
    for (const fn of all) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'autoscaling:DescribeAutoScalingGroups',
            'autoscaling:DescribeAutoScalingInstances',
            'elasticloadbalancing:DescribeTargetHealth',
          ],
          resources: ['*'],
        }),
      );
      this.lockTable.grant(fn, 'dynamodb:GetItem');
    }

    const mutate = (fns: StepFunction[], actions: string[]) => {
      for (const fn of fns) fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: groupArns }));
    };
    mutate([steps['scale-up']], ['autoscaling:ResumeProcesses', 'autoscaling:UpdateAutoScalingGroup']);
    mutate(
      [steps.swap],
      [
        'autoscaling:SuspendProcesses',
        'autoscaling:UpdateAutoScalingGroup',
        'autoscaling:EnterStandby',
        'autoscaling:TerminateInstanceInAutoScalingGroup',
      ],
    );
    mutate(
      [steps.finalize],
      [
        'autoscaling:SuspendProcesses',
        'autoscaling:UpdateAutoScalingGroup',
        'autoscaling:TerminateInstanceInAutoScalingGroup',
      ],
    );
    mutate(
      [steps.rollback],
      [
        'autoscaling:SuspendProcesses',
        'autoscaling:ResumeProcesses',
        'autoscaling:UpdateAutoScalingGroup',
        'autoscaling:ExitStandby',
        'autoscaling:TerminateInstanceInAutoScalingGroup',
      ],
    );
    // Steps that write tags may write only the workflow's own keys, never service or colour.
    for (const fn of [steps['scale-up'], steps.swap, steps.finalize, steps.rollback]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['autoscaling:CreateOrUpdateTags'],
          resources: groupArns,
          conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': WORKFLOW_TAG_KEYS } },
        }),
      );
    }
    // Every step that changes the fleet lists itself on the lock item while it runs (the fence);
    // Prepare takes the lock, Finalize and Rollback release it (Prepare too, after a refusal).
    for (const fn of [steps.prepare, steps['scale-up'], steps.swap, steps.finalize, steps.rollback]) {
      this.lockTable.grant(fn, 'dynamodb:PutItem');
    }
    if (props.instanceValidation) {
      // CheckHealth lets a release's validated instances in (a fenced step then), reading the
      // validator's pass records.
      const checkHealth = steps['check-health'];
      mutate([checkHealth], ['autoscaling:CompleteLifecycleAction']);
      this.lockTable.grant(checkHealth, 'dynamodb:PutItem', 'dynamodb:BatchGetItem');
    }
    for (const fn of [steps.prepare, steps.finalize, steps.rollback])
      this.lockTable.grant(fn, 'dynamodb:DeleteItem');
    // A stopped or superseded bake stops polling once its execution no longer holds the lock.
    // (Granted with the reads above when it watches a canary.)
    if (!props.canary) this.lockTable.grant(steps['watch-bake'], 'dynamodb:GetItem');

    // Prepare checks whether the lock's owner (and itself) still runs, and stops the owner when a
    // rollback takes over.
    // A separate policy: the state machine depends on the functions, so their default policies
    // cannot name its executions without a cycle.
    const executions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: `${this.stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    steps.prepare.role!.attachInlinePolicy(
      new iam.Policy(this, 'PrepareExecutionsPolicy', {
        statements: [
          new iam.PolicyStatement({
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [executions],
          }),
        ],
      }),
    );

    if (props.artifact) {
      const { bucket, keyPrefix } = props.artifact;
      const artifacts = bucket.arnForObjects(`${keyPrefix}*`);
      // HeadObject needs GetObject; without ListBucket a missing key answers 403, not 404.
      steps.prepare.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [artifacts] }),
      );
      steps.prepare.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': `${keyPrefix}*` } },
        }),
      );
      Validations.of(steps.prepare).acknowledge({
        id: `AwsSolutions-IAM5[${wildcardResourceFinding(this, artifacts)}]`,
        reason:
          'Prepare checks that `<prefix><version>.<extension>` exists before a release: GetObject on the prefix only.',
      });
    }
    this.acknowledgeNagFindings(all, groupArns, executions);
  }

  private acknowledgeNagFindings(fleetSteps: StepFunction[], groupArns: string[], executions: string): void {
    const acknowledge = (scope: Construct, finding: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions-${finding}`, reason });
    for (const fn of Object.values(this.steps)) {
      acknowledge(
        fn,
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
      );
    }
    for (const fn of fleetSteps) {
      acknowledge(
        fn,
        'IAM5[Resource::*]',
        'autoscaling:DescribeAutoScalingGroups, autoscaling:DescribeAutoScalingInstances and elasticloadbalancing:DescribeTargetHealth do not support resource-level permissions.',
      );
      for (const arn of groupArns) {
        acknowledge(
          fn,
          `IAM5[${wildcardResourceFinding(this, arn)}]`,
          'An Auto Scaling group ARN contains a generated UUID: the wildcard stands for it alone, the group name is fixed.',
        );
      }
    }
    acknowledge(
      this,
      `IAM5[${wildcardResourceFinding(this, executions)}]`,
      'Execution ARNs end in a name chosen at start: the wildcard covers executions of this state machine only.',
    );
    acknowledge(
      this.stateMachine,
      'IAM5[Resource::*]',
      'X-Ray tracing actions of Step Functions do not support resource-level permissions.',
    );
    for (const fn of Object.values(this.steps)) {
      acknowledge(
        this.stateMachine,
        `IAM5[Resource::<${Stack.of(this).resolve((fn.node.defaultChild as CfnResource).logicalId)}.Arn>:*]`,
        'Step Functions may invoke the versions and aliases of its own step functions (CDK LambdaInvoke grant).',
      );
    }
  }
}

/**
 * A duration's seconds for a function's environment. A Token is accepted when given in seconds
 * (`Duration.seconds(token)`): another unit cannot be converted before deployment.
 */
function secondsText(prop: string, duration: Duration): string {
  let seconds: number;
  try {
    seconds = duration.toSeconds();
  } catch {
    throw new Error(
      `${prop} (${duration.toString()}) comes from a token: give it as Duration.seconds(token)`,
    );
  }
  return Token.isUnresolved(seconds) ? Token.asString(seconds) : String(seconds);
}

/**
 * Room for every wait a release may take, plus two hours for the steps and a rollback. A wait
 * given as a Token is not known before deployment: the longest a request may ask for is assumed.
 */
function executionTimeout(
  healthTimeout: Duration,
  bakeTime: Duration,
  approval?: ApprovalSettings,
  hooks?: ReleaseHookOptions,
  canary?: CanaryOptions,
): Duration {
  const known = (duration: Duration, longest: number) =>
    duration.isUnresolved() ? longest : duration.toSeconds();
  const approvalSeconds = approval ? approval.gates.length * known(approval.timeout, 7 * 86_400) : 0;
  const hookSeconds = Object.values(hooks?.points ?? {}).reduce(
    (sum, hook) => sum + known(hook.timeout, RELEASE_HOOK_TIMEOUT_LIMITS.maxSeconds),
    0,
  );
  // A canary adds its watch and a second health wait (the full scale-up's).
  const canarySeconds = canary
    ? known(canary.duration, CANARY_DURATION_LIMITS.maxSeconds) +
      known(healthTimeout, HEALTH_TIMEOUT_LIMITS.max)
    : 0;
  return Duration.seconds(
    canarySeconds +
      known(healthTimeout, HEALTH_TIMEOUT_LIMITS.max) +
      known(bakeTime, BAKE_LIMITS.max) +
      approvalSeconds +
      hookSeconds +
      Duration.hours(2).toSeconds(),
  );
}

/** The hooks with every default applied, or undefined when none is configured. */
function releaseHookOptions(
  service: string,
  hooks: ReleaseHooks | undefined,
): ReleaseHookOptions | undefined {
  const configured = RELEASE_HOOK_POINTS.flatMap((point) => {
    const hook = hooks?.[point];
    if (!hook) return [];
    return [
      [point, { function: hook.function, timeout: hook.timeout ?? RELEASE_HOOK_DEFAULTS.timeout }] as const,
    ];
  });
  return configured.length > 0 ? { service, points: Object.fromEntries(configured) } : undefined;
}
