import { CfnResource, Duration, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  AUTO_SCALING_EVENT_SOURCE,
  HANDLER_METADATA_KEY,
  LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE,
  PROBE_MAX_TIMEOUT_MS,
  VALIDATION_ENV,
  VALIDATION_FAILURE_KEY_PREFIX,
  VALIDATION_PASS_KEY_PREFIX,
  type SmokeCheckSpec,
} from './contract/instance-validation';
import { LOCK_KEY } from './contract/lock-table';
import { PROBE_INSTANCE_HANDLER, VALIDATE_INSTANCE_HANDLER } from './contract/steps';
import { HandlerFunction } from './handler-function';
import { concreteSeconds, PropsValidator, quote, wildcardResourceFinding } from './validation';

/** One request the validator sends to each new instance, directly, before it takes traffic. */
export interface SmokeCheck {
  /** Path (and query) to request on the application port, starting with `/`. */
  readonly path: string;
  /**
   * The status the answer must have.
   * @default 200
   */
  readonly expectedStatus?: number;
  /**
   * Text the answer's body must contain.
   * @default - the body is not looked at
   */
  readonly bodyIncludes?: string;
  /**
   * How long one request may take (1–60 s).
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}

/**
 * Pre-traffic validation: every instance either group launches (a release's scale-up or the live
 * group scaling out) waits in `Pending:Wait`, out of the target group, until a validator has
 * checked it directly (through a probe function in the VPC). It then joins the target group, or
 * is terminated (and replaced).
 */
export interface InstanceValidationOptions {
  /**
   * Requests each new instance must answer as expected, after the target group's health check
   * path answers its healthy code.
   * @default - the health check path only
   */
  readonly checks?: readonly SmokeCheck[];
  /**
   * How long the validation of one instance may take, its boot included (10–780 s). An instance
   * whose health path has not answered by then is abandoned.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Your own validator, invoked synchronously once the built-in checks passed, with
   * `{ service, version, colour, groupName, instances: [{ id, privateAddress }] }`. An error, or an
   * answer `{ ok: false, reason }`, abandons the instance. It must answer within `timeout`.
   * @default - the built-in checks only
   */
  readonly function?: lambda.IFunction;
}

/** Defaults of `InstanceValidationOptions` and `SmokeCheck`. */
export const INSTANCE_VALIDATION_DEFAULTS = {
  timeout: Duration.minutes(5),
  expectedStatus: 200,
  checkTimeout: Duration.seconds(5),
} as const;

/** What one validation may take: the function adds a minute for its AWS calls, and Lambda stops at 15. */
export const INSTANCE_VALIDATION_LIMITS = {
  minTimeoutSeconds: 10,
  maxTimeoutSeconds: 780,
  minCheckSeconds: 1,
  maxCheckSeconds: PROBE_MAX_TIMEOUT_MS / 1000,
  maxChecks: 20,
} as const;

/** The validator function's own timeout beyond the validation timeout: its AWS calls after the checks. */
const FUNCTION_TIMEOUT_MARGIN = Duration.seconds(60);
/** The lifecycle hook's heartbeat timeout beyond the function's: an invocation never outlives its hook. */
const HEARTBEAT_MARGIN = Duration.seconds(60);
/**
 * The probe's own timeout: its longest request (a smoke check's longest timeout, 60 s) and 10 s
 * more. The request aborts at its timeout and answers `timeout`; the margin lets the probe read
 * the body and return before Lambda stops it, so the validator gets the instance's answer rather
 * than a function timeout.
 */
const PROBE_TIMEOUT = Duration.millis(PROBE_MAX_TIMEOUT_MS).plus(Duration.seconds(10));

/** How long a launch lifecycle action waits for its completion before ABANDON applies. */
export function validationHeartbeatTimeout(options: InstanceValidationOptions): Duration {
  return (options.timeout ?? INSTANCE_VALIDATION_DEFAULTS.timeout)
    .plus(FUNCTION_TIMEOUT_MARGIN)
    .plus(HEARTBEAT_MARGIN);
}

/** Records a problem for every option outside its limits (`validation.checks[0].path (...)`). */
export function validateInstanceValidation(
  validator: PropsValidator,
  options: InstanceValidationOptions | undefined,
): void {
  if (!options) return;
  const limits = INSTANCE_VALIDATION_LIMITS;
  validator.secondsBetween(
    'validation.timeout',
    options.timeout,
    limits.minTimeoutSeconds,
    limits.maxTimeoutSeconds,
  );
  const checks = options.checks ?? [];
  if (checks.length > limits.maxChecks) {
    validator.addProblem(`validation.checks (${checks.length} checks) must be at most ${limits.maxChecks}`);
  }
  const whole = concreteSeconds(options.timeout) ?? INSTANCE_VALIDATION_DEFAULTS.timeout.toSeconds();
  checks.forEach((check, i) => {
    const name = `validation.checks[${i}]`;
    validator.matches(
      `${name}.path`,
      check.path,
      /^\/[\x21-\x7e]{0,1023}$/,
      'a path starting with "/", at most 1024 printable characters without spaces',
    );
    validator.integerBetween(`${name}.expectedStatus`, check.expectedStatus, 100, 599);
    if (check.bodyIncludes !== undefined && !Token.isUnresolved(check.bodyIncludes)) {
      if (check.bodyIncludes.length === 0 || check.bodyIncludes.length > 1024) {
        validator.addProblem(
          `${name}.bodyIncludes (${quote(check.bodyIncludes)}) must be 1 to 1024 characters`,
        );
      }
    }
    if (
      validator.secondsBetween(
        `${name}.timeout`,
        check.timeout,
        limits.minCheckSeconds,
        limits.maxCheckSeconds,
      )
    ) {
      const seconds = concreteSeconds(check.timeout) as number;
      if (seconds >= whole) {
        validator.addProblem(
          `${name}.timeout (${seconds} s) must be shorter than validation.timeout (${whole} s)`,
        );
      }
    }
  });
}

/** The smoke checks with every default applied, as the validator reads them. */
export function smokeCheckSpecs(checks: readonly SmokeCheck[] | undefined): SmokeCheckSpec[] {
  return (checks ?? []).map((check) => ({
    path: check.path,
    expectedStatus: check.expectedStatus ?? INSTANCE_VALIDATION_DEFAULTS.expectedStatus,
    ...(check.bodyIncludes !== undefined ? { bodyIncludes: check.bodyIncludes } : {}),
    timeoutMs: (check.timeout ?? INSTANCE_VALIDATION_DEFAULTS.checkTimeout).toMilliseconds(),
  }));
}

/** Props of `InstanceValidation`. */
export interface InstanceValidationProps {
  /** The blue group: its launches are validated. */
  readonly blue: autoscaling.AutoScalingGroup;
  /** The green group: its launches are validated. */
  readonly green: autoscaling.AutoScalingGroup;
  /** Value of the `bluegreen:service` tag on the groups. */
  readonly serviceTag: string;
  /** The VPC of the instances. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of the probe function (the validator is not in the VPC): they need a route to the
   * instances only.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The instances' security group: it admits the probe on the application and health check ports. */
  readonly instanceSecurityGroup: ec2.ISecurityGroup;
  /** The application port (the target group's traffic port). */
  readonly appPort: number;
  /** The target group's health check: path, port, healthy codes. */
  readonly healthCheck: {
    readonly path: string;
    /** @default - the application port */
    readonly port?: number;
    readonly healthyHttpCodes: string;
  };
  /** The service's lock table: a failed validation is recorded there, beside the lock item. */
  readonly lockTable: dynamodb.ITable;
  /** What to check and for how long. */
  readonly options: InstanceValidationOptions;
}

/**
 * A launch lifecycle hook on each group, an EventBridge rule that hands each launch lifecycle
 * action to a validator function, and a probe function in the VPC that makes the validator's
 * direct requests to the instances. Each may do only its part: the probe reaches the instances'
 * application and health check ports and nothing else (no AWS API); the validator, outside the
 * VPC, invokes the probe, completes the lifecycle actions and records a failure for the release
 * to read. What Auto Scaling does with the hook (Pending:Wait unregistered, heartbeat timeout,
 * default result, ABANDON terminates and replaces): docs/aws-model.md, "Lifecycle hooks".
 */
export class InstanceValidation extends Construct {
  /**
   * The built-in validator: checks each new instance (through the probe) and completes its
   * lifecycle action. Not in the VPC.
   */
  public readonly validatorFunction: lambda.Function;
  /**
   * The probe: the one function in the VPC. It makes one HTTP request to an instance per
   * invocation, for the validator (the only function this construct lets invoke it), and calls no
   * AWS API.
   */
  public readonly probeFunction: lambda.Function;
  /**
   * The probe's security group: its only way out is to the instances' security group, on the
   * application port and the health check port.
   */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Matches the launch lifecycle actions of the two groups. */
  public readonly rule: events.Rule;
  /** The launch lifecycle hooks: blue's, then green's. */
  public readonly lifecycleHooks: readonly autoscaling.LifecycleHook[];
  /** How long a lifecycle action waits for the validator before ABANDON applies. */
  public readonly heartbeatTimeout: Duration;

  constructor(scope: Construct, id: string, props: InstanceValidationProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    validateInstanceValidation(validator, props.options);
    validator.throwIfInvalid();

    const groups = [props.blue, props.green];
    const timeout = props.options.timeout ?? INSTANCE_VALIDATION_DEFAULTS.timeout;
    const functionTimeout = timeout.plus(FUNCTION_TIMEOUT_MARGIN);
    this.heartbeatTimeout = validationHeartbeatTimeout(props.options);
    const ports = [...new Set([props.appPort, props.healthCheck.port ?? props.appPort])];

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Pre-traffic probe: the instances application and health check ports only',
      allowAllOutbound: false,
    });
    for (const port of ports) {
      this.securityGroup.addEgressRule(
        props.instanceSecurityGroup,
        ec2.Port.tcp(port),
        'Checks of new instances',
      );
      props.instanceSecurityGroup.addIngressRule(
        this.securityGroup,
        ec2.Port.tcp(port),
        'Pre-traffic checks from the probe',
      );
    }
    this.probeFunction = new HandlerFunction(this, 'ProbeFunction', {
      handlerName: PROBE_INSTANCE_HANDLER,
      description: 'Make one direct HTTP request to a new instance, for the pre-traffic validator.',
      environment: {},
      timeout: PROBE_TIMEOUT,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
    });
    // The rehearsal runs this handler's bundle when the validator invokes the function.
    (this.probeFunction.node.defaultChild as CfnResource).addMetadata(
      HANDLER_METADATA_KEY,
      PROBE_INSTANCE_HANDLER,
    );

    const environment: Record<string, string> = {
      [VALIDATION_ENV.serviceTag]: props.serviceTag,
      [VALIDATION_ENV.blueGroupName]: props.blue.autoScalingGroupName,
      [VALIDATION_ENV.greenGroupName]: props.green.autoScalingGroupName,
      [VALIDATION_ENV.lockTableName]: props.lockTable.tableName,
      [VALIDATION_ENV.appPort]: Tokenization.stringifyNumber(props.appPort),
      [VALIDATION_ENV.healthCheckPath]: props.healthCheck.path,
      [VALIDATION_ENV.healthCheckPort]: Tokenization.stringifyNumber(props.healthCheck.port ?? props.appPort),
      [VALIDATION_ENV.healthyHttpCodes]: props.healthCheck.healthyHttpCodes,
      [VALIDATION_ENV.validationTimeoutSeconds]: String(timeout.toSeconds()),
      [VALIDATION_ENV.heartbeatTimeoutSeconds]: String(this.heartbeatTimeout.toSeconds()),
      [VALIDATION_ENV.smokeChecks]: JSON.stringify(smokeCheckSpecs(props.options.checks)),
      [VALIDATION_ENV.probeFunctionName]: this.probeFunction.functionName,
    };
    if (props.options.function) {
      environment[VALIDATION_ENV.userFunctionName] = props.options.function.functionName;
    }

    this.validatorFunction = new HandlerFunction(this, 'ValidatorFunction', {
      handlerName: VALIDATE_INSTANCE_HANDLER,
      description: 'Check each new instance directly before it takes traffic; complete its lifecycle action.',
      environment,
      timeout: functionTimeout,
    });
    // The rehearsal delivers the rule's events to this handler's bundle.
    (this.validatorFunction.node.defaultChild as CfnResource).addMetadata(
      HANDLER_METADATA_KEY,
      VALIDATE_INSTANCE_HANDLER,
    );

    this.lifecycleHooks = groups.map((group) =>
      group.addLifecycleHook('PreTrafficValidation', {
        lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
        heartbeatTimeout: this.heartbeatTimeout,
        // An instance the validator never answers for is terminated, never left waiting or let in.
        defaultResult: autoscaling.DefaultResult.ABANDON,
      }),
    );

    this.rule = new events.Rule(this, 'LaunchLifecycleActionRule', {
      description: 'Launch lifecycle actions of the service groups: validate each new instance',
      eventPattern: {
        source: [AUTO_SCALING_EVENT_SOURCE],
        detailType: [LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE],
        detail: { AutoScalingGroupName: groups.map((g) => g.autoScalingGroupName) },
      },
      // Asynchronous invocation, retried; an event older than the hook's timeout has nothing left to complete.
      targets: [
        new targets.LambdaFunction(this.validatorFunction, {
          retryAttempts: 2,
          maxEventAge: this.heartbeatTimeout,
        }),
      ],
    });

    this.grantValidatorPermissions(props);
    this.acknowledgeProbeFindings();
  }

  private grantValidatorPermissions(props: InstanceValidationProps): void {
    const fn = this.validatorFunction;
    const groupArns = [props.blue.autoScalingGroupArn, props.green.autoScalingGroupArn];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
        resources: groupArns,
      }),
    );
    // Describe calls of Auto Scaling and EC2 have no resource-level permissions.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    // Its records only, never the lock item: `validation-failure#<group>`, `validation-pass#<instance>`.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.lockTable.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${VALIDATION_FAILURE_KEY_PREFIX}*`, `${VALIDATION_PASS_KEY_PREFIX}*`],
          },
        },
      }),
    );
    // Reads the lock item (is a release of this version under way?), and nothing else.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.lockTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [LOCK_KEY] } },
      }),
    );
    this.probeFunction.grantInvoke(fn);
    props.options.function?.grantInvoke(fn);

    const acknowledge = (finding: string, reason: string) =>
      Validations.of(fn).acknowledge({ id: `AwsSolutions-${finding}`, reason });
    acknowledge(
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWSLambdaBasicExecutionRole only lets the validator write its own logs.',
    );
    acknowledge(
      'IAM5[Resource::*]',
      'ec2:DescribeInstances (the new instance private address) and autoscaling:DescribeAutoScalingGroups (its version tag) do not support resource-level permissions.',
    );
    for (const arn of groupArns) {
      acknowledge(
        `IAM5[${wildcardResourceFinding(this, arn)}]`,
        'An Auto Scaling group ARN contains a generated UUID: the wildcard stands for it alone, the group name is fixed.',
      );
    }
    acknowledge(
      `IAM5[${wildcardResourceFinding(this, `${this.probeFunction.functionArn}:*`)}]`,
      'The validator may invoke the versions and aliases of the probe function of this construct (CDK grantInvoke): the wildcard stands for the qualifier only.',
    );
    const user = props.options.function;
    if (user) {
      acknowledge(
        `IAM5[${wildcardResourceFinding(this, `${user.functionArn}:*`)}]`,
        'The validator may invoke the versions and aliases of the user validator function, and no other function (CDK grantInvoke).',
      );
    }
  }

  /** The probe's role has nothing but the two managed policies a function in a VPC needs. */
  private acknowledgeProbeFindings(): void {
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(this.probeFunction).acknowledge({ id: `AwsSolutions-${finding}`, reason });
    acknowledge(
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWSLambdaBasicExecutionRole only lets the probe write its own logs.',
    );
    acknowledge(
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'AWSLambdaVPCAccessExecutionRole only lets the probe create and delete its network interfaces in the VPC, where it reaches the instances.',
    );
  }
}
