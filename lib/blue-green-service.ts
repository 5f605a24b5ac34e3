import { CfnOutput, Duration, Names, Size, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, IConstruct } from 'constructs';
import { AppMode, ARTIFACT_EXTENSIONS, USER_DATA_LIMIT_BYTES, renderUserData } from './boot/user-data';
import { DatabaseConnection, DatabaseSource, ServiceDatabase, validateExistingDatabase } from './database';
import { Fleet, FleetApplication, validateInstanceSettings } from './fleet';
import { createLogBucket } from './log-bucket';
import {
  APPROVAL_DEFAULTS,
  ApprovalOptions,
  createTarget5xxAlarm,
  DEFAULT_MAX_TARGET_5XX_PERCENT,
  validateGuardProps,
} from './release-guards';
import {
  ExistingListenerOptions,
  HEALTH_CHECK_DEFAULTS,
  HealthCheckOptions,
  ReleaseLoadBalancer,
} from './load-balancer';
import { ReleaseDashboard } from './release-dashboard';
import { ReleaseNotifications } from './release-notifications';
import { validateReleaseHooks, type ReleaseHooks } from './release-hooks';
import { validateCanary, type CanaryOptions } from './release-canary';
import {
  InstanceValidation,
  validateInstanceValidation,
  validationHeartbeatTimeout,
  type InstanceValidationOptions,
} from './instance-validation';
import { ReleaseArtifactLocation, ReleaseWorkflow } from './release-workflow';
import { ServiceMetrics } from './service-metrics';
import { PropsValidator, isConcreteNumber, quote } from './validation';

/** Where release artifacts live in `AppSource.fromArtifactBucket`. */
export interface ArtifactOptions {
  /**
   * Key prefix of the artifacts: a release of version `v` downloads `<keyPrefix><v>.<extension>`.
   * @default 'releases/'
   */
  readonly keyPrefix?: string;
  /**
   * File extension of the artifacts, without the leading dot.
   * @default 'tar.gz'
   */
  readonly extension?: string;
}

/** What the instances run. */
export class AppSource {
  /** The built-in demo application: answers the health path and shows its colour and version. */
  public static demo(): AppSource {
    return new AppSource('demo');
  }

  /**
   * Download and start `<keyPrefix><version>.<extension>` from a bucket. The instances may read
   * that prefix only; the release workflow refuses a version whose artifact is missing.
   *
   * @param bucket the bucket of the artifacts. @default - a new bucket: S3-managed encryption,
   *   SSL only, versioned, public access blocked, server access logs to the access-logs bucket
   */
  public static fromArtifactBucket(bucket?: s3.IBucket, options: ArtifactOptions = {}): AppSource {
    return new AppSource(
      'artifact',
      bucket,
      options.keyPrefix ?? APP_DEFAULTS.keyPrefix,
      options.extension ?? APP_DEFAULTS.extension,
    );
  }

  /**
   * Run a shell script that installs and starts the application (it must listen on `appPort`
   * and answer `healthCheck.path`). The boot script exports the version and database settings to it.
   */
  public static fromCommands(script: string): AppSource {
    return new AppSource('commands', undefined, undefined, undefined, script);
  }

  private constructor(
    /** How the instances get the application: the built-in demo, an artifact or commands. */
    public readonly mode: AppMode,
    /** Artifact mode: the bucket, if one was given. */
    public readonly bucket?: s3.IBucket,
    /** Artifact mode: the key prefix. */
    public readonly keyPrefix?: string,
    /** Artifact mode: the extension. */
    public readonly extension?: string,
    /** Commands mode: the script. */
    public readonly commands?: string,
  ) {}
}

/** Props of a `BlueGreenService`: all optional, every default is a working service. */
export interface BlueGreenServiceProps {
  /**
   * The VPC.
   * @default - a new VPC: 2 Availability Zones, public, private-with-egress (1 NAT gateway) and
   *   isolated subnets, flow logs to CloudWatch Logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the instances; they need outbound access (packages, AWS APIs).
   * @default - the VPC's private subnets with egress
   */
  readonly instanceSubnets?: ec2.SubnetSelection;
  /**
   * What the instances run.
   * @default AppSource.demo()
   */
  readonly application?: AppSource;
  /**
   * Port the application listens on: the target group's traffic port. A port above 1024 lets the
   * application run without root.
   * @default 8080
   */
  readonly appPort?: number;
  /**
   * The target group's health check, which decides when a new instance may take traffic.
   * @default - path '/health', interval 5 s, timeout 4 s, thresholds 2 and 2 (see `HealthCheckOptions`)
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * How long a deregistering target keeps serving in-flight requests (0–3600 s).
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
  /**
   * Bring your own load balancer: a rule on this existing listener forwards the requests that
   * match its conditions (host header, path pattern) to the service, instead of a new load
   * balancer. Then `internetFacing`, `certificate`, `sslPolicy` and `accessLogsBucket` must not be
   * set: the existing load balancer keeps its own settings.
   * @default - a new Application Load Balancer (see `internetFacing`, `certificate`)
   */
  readonly existingListener?: ExistingListenerOptions;
  /**
   * Whether the load balancer is internet-facing; `false` makes it internal. Not with `existingListener`.
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Certificate of an HTTPS listener; HTTP then redirects to HTTPS. Not with `existingListener`.
   * @default - HTTP only
   */
  readonly certificate?: acm.ICertificate;
  /**
   * TLS policy of the HTTPS listener; only with `certificate`.
   * @default elbv2.SslPolicy.RECOMMENDED_TLS
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Bucket of the load balancer access logs (SSE-S3 only). Not with `existingListener`.
   * @default - a new encrypted bucket
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Instance type of both groups; a Graviton type switches the default AMI to arm64.
   * @default ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO)
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * The AMI of the instances (bash, curl and the AWS CLI required).
   * @default - the latest Amazon Linux 2023 for the instance type's architecture
   */
  readonly machineImage?: ec2.IMachineImage;
  /**
   * Size of each instance's root volume (encrypted gp3).
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;
  /**
   * Average CPU utilization (10–90 %) that each group's target-tracking policy keeps.
   * @default 60
   */
  readonly cpuTargetUtilization?: number;
  /**
   * Time after launch before a group acts on failing ELB health checks (0–7200 s).
   * @default Duration.minutes(5)
   */
  readonly healthCheckGracePeriod?: Duration;
  /**
   * MinSize of the live group between releases.
   * @default 2
   */
  readonly minCapacity?: number;
  /**
   * MaxSize of each group.
   * @default 6
   */
  readonly maxCapacity?: number;
  /**
   * Targets the target group (and its load balancer) may hold: the Elastic Load Balancing quota of
   * your account, 1,000 unless AWS raised it for you. Both colours are registered in the one target
   * group between scale-up and swap, so `2 × maxCapacity` must fit; declare a raised quota here.
   * @default 1000
   */
  readonly targetQuota?: number;
  /**
   * Capacity of the first release into the empty service, when the request names none.
   * @default - minCapacity
   */
  readonly defaultCapacity?: number;
  /**
   * How long a release waits for the new group to be healthy before it rolls back (60–86400 s).
   * @default Duration.minutes(15)
   */
  readonly healthTimeout?: Duration;
  /**
   * How long the previous group stays warm in Standby after a swap (0–86400 s); a rollback
   * during the bake takes seconds.
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;
  /**
   * Your CloudWatch alarms watched during the bake: one in ALARM rolls the release back while the
   * old group is still warm in Standby. Alarms need data to fire: make `bakeTime` longer than an
   * alarm's evaluation window plus a minute or two of CloudWatch delay.
   * @default - only the target group's 5xx alarm (see `maxTarget5xxPercent`)
   */
  readonly rollbackAlarms?: readonly cloudwatch.IAlarm[];
  /**
   * Creates an alarm on the target group's 5xx rate and watches it during the bake.
   * @default true
   */
  readonly target5xxAlarm?: boolean;
  /**
   * The 5xx rate (percent of the target group's requests in one minute) above which that alarm
   * fires.
   * @default 5
   */
  readonly maxTarget5xxPercent?: number;
  /**
   * Approval gates: the release waits for `bluegreen approve` (or rolls back on `reject`).
   * @default - releases need no approval
   */
  readonly approval?: ApprovalOptions;
  /**
   * User functions invoked at named points of every release: expand migrations before traffic,
   * smoke tests after it, contract migrations after Finalize (see `ReleaseHooks`).
   * @default - no release hook
   */
  readonly hooks?: ReleaseHooks;
  /**
   * A canary phase before every release's full scale-up: `instances` of the new version take
   * their share of traffic beside the live fleet while the rollback alarms are watched for
   * `duration` (see `CanaryOptions`). Not run on a first release nor for a rollback.
   * @default - no canary: a release brings up its full capacity at once
   */
  readonly canary?: CanaryOptions;
  /**
   * Pre-traffic validation: every instance either group launches waits out of the target group
   * (a launch lifecycle hook, `Pending:Wait`) until a validator has checked it directly (the
   * health check path, then `checks`, then your `function`); a failure terminates it and rolls
   * the release back (see `InstanceValidationOptions`). Adds two Lambda functions: the validator,
   * and the probe it invokes for each request, the only one in the VPC (in `instanceSubnets`).
   * @default - no validation: an instance takes traffic once it passes the target group's health check
   */
  readonly validation?: InstanceValidationOptions;
  /**
   * The database.
   * @default DatabaseSource.create() - a new PostgreSQL 16 instance (see `ServiceDatabase`)
   */
  readonly database?: DatabaseSource;
  /**
   * Value of the `bluegreen:service` tag on both groups; the workflow's IAM conditions, the
   * `bluegreen` CLI's `--service` and the rollbacks metric use it. Unique in the app: two services
   * with the same value are refused at synth (unless their stacks are in different accounts or
   * regions).
   * @default - a name unique to this construct in the app (stable across deployments)
   */
  readonly serviceTag?: string;
  /**
   * Where release notifications go: one message per release execution started, succeeded,
   * failed, timed out or aborted. Subscribe email, chat or a queue to it.
   * @default - a new topic, encrypted with the AWS managed SNS key, TLS enforced
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Whether status changes of release executions are published to `notificationTopic`.
   * @default true
   */
  readonly notifications?: boolean;
  /**
   * Whether to create a CloudWatch dashboard of the service and its releases.
   * @default true
   */
  readonly dashboard?: boolean;
}

const BLUE_GREEN_SERVICE_SYMBOL = Symbol.for('cdk-blue-green-ec2.BlueGreenService');

/** Defaults of `BlueGreenServiceProps` that are not defaults of a part. */
export const APP_DEFAULTS = {
  appPort: 8080,
  keyPrefix: 'releases/',
  extension: 'tar.gz',
  minCapacity: 2,
  maxCapacity: 6,
  healthTimeout: Duration.minutes(15),
  bakeTime: Duration.minutes(5),
} as const;

/**
 * Bytes of user data kept free for what CloudFormation fills in at deploy time (database
 * endpoint, secret ARN, bucket name) in place of the Token placeholders.
 */
const USER_DATA_DEPLOY_TIME_RESERVE = 512;

/**
 * Longest `AppSource.fromCommands` script in bytes: EC2 user data is limited to 16 KB and also
 * carries the boot script.
 */
export function maxCommandsBytes(): number {
  const withOneByte = renderUserData({
    colour: 'green',
    appPort: 65535,
    healthPath: '/health',
    mode: 'commands',
    userCommands: 'x',
  });
  return USER_DATA_LIMIT_BYTES - (Buffer.byteLength(withOneByte, 'utf8') - 1) - USER_DATA_DEPLOY_TIME_RESERVE;
}

/**
 * Zero-downtime blue/green releases of an EC2 web application.
 *
 * An Application Load Balancer forwards to ONE target group shared by two Auto Scaling groups,
 * blue and green, which start empty. A Step Functions workflow releases a version by scaling up
 * the idle group with that version, waiting until its instances are healthy, and moving the
 * live group's instances to Standby (out of the target group, still running) for the bake time;
 * a rollback moves them back. An optional RDS database is shared by both colours.
 */
export class BlueGreenService extends Construct implements ec2.IConnectable {
  /**
   * Whether `x` is a BlueGreenService, also one built by another copy of this library in the
   * same app (where `instanceof` would say no).
   */
  public static isBlueGreenService(x: unknown): x is BlueGreenService {
    return typeof x === 'object' && x !== null && BLUE_GREEN_SERVICE_SYMBOL in x;
  }

  /** The VPC of the service (given or created). */
  public readonly vpc: ec2.IVpc;
  /** The Application Load Balancer created by this construct; undefined with `existingListener`. */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /**
   * The listener that forwards to the target group: the created one (HTTPS with a certificate)
   * or `existingListener.listener`.
   */
  public readonly listener: elbv2.IApplicationListener;
  /** The one target group of both colours. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The load balancer (or the rule on an existing listener), target group and access logs. */
  public readonly entryPoint: ReleaseLoadBalancer;
  /** The blue Auto Scaling group and its launch template. */
  public readonly blue: Fleet;
  /** The green Auto Scaling group and its launch template. */
  public readonly green: Fleet;
  /** The security group of both fleets: the application port from the load balancer only. */
  public readonly instanceSecurityGroup: ec2.SecurityGroup;
  /**
   * The network connections of the instances of both colours (their security group): e.g.
   * `service.connections.allowTo(cache, ec2.Port.tcp(6379))`. The default port is the application port.
   */
  public readonly connections: ec2.Connections;
  /** The database created by this construct; undefined with an existing database or none. */
  public readonly database?: ServiceDatabase;
  /** What the instances get to reach the database; undefined without a database. */
  public readonly databaseConnection?: DatabaseConnection;
  /** The artifact bucket in artifact mode. */
  public readonly artifactBucket?: s3.IBucket;
  /** The release workflow: state machine, step functions and lock table. */
  public readonly releaseWorkflow: ReleaseWorkflow;
  /** The alarm on the target group's 5xx rate, watched during the bake. */
  public readonly target5xxAlarm?: cloudwatch.Alarm;
  /** The release state machine: start an execution with `{"version": "..."}` to release. */
  public readonly stateMachine: sfn.StateMachine;
  /** Value of the `bluegreen:service` tag on both groups. */
  public readonly serviceTag: string;
  /**
   * `http(s)://<load balancer DNS name>`, or `existingListener.url`; undefined with an existing
   * listener and no `url`.
   */
  public readonly url?: string;
  /** The topic of release notifications (given or created). */
  public readonly notificationTopic: sns.ITopic;
  /** Publishes release status changes to `notificationTopic`; undefined with `notifications: false`. */
  public readonly releaseNotifications?: ReleaseNotifications;
  /** The pre-traffic validation of new instances; undefined without `validation`. */
  public readonly instanceValidation?: InstanceValidation;
  /** The CloudWatch dashboard of the service; undefined with `dashboard: false`. */
  public readonly releaseDashboard?: ReleaseDashboard;
  /** One definition of each metric: the metric methods, the dashboard and the 5xx alarm use it. */
  private readonly serviceMetrics: ServiceMetrics;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BLUE_GREEN_SERVICE_SYMBOL, { value: true });
    const validator = new PropsValidator(this);
    const { appPortValid } = validateServiceProps(validator, props);
    validateReleaseHooks(validator, props.hooks);
    validateCanary(validator, props.canary, props.minCapacity ?? APP_DEFAULTS.minCapacity);
    validateInstanceValidation(validator, props.validation);

    const application = props.application ?? AppSource.demo();
    this.serviceTag = props.serviceTag ?? Names.uniqueResourceName(this, { maxLength: 64 });
    // At synth, when the whole app is built: a service added after this one is seen too.
    this.node.addValidation({ validate: () => duplicateServiceTagProblems(this) });
    this.vpc = props.vpc ?? this.createVpc();
    this.instanceSecurityGroup = this.createInstanceSecurityGroup();
    this.connections = new ec2.Connections({
      securityGroups: [this.instanceSecurityGroup],
      defaultPort: ec2.Port.tcp(props.appPort ?? APP_DEFAULTS.appPort),
    });

    // The parts check their own props: one error lists their problems with the service's.
    const entryPoint = validator.buildPart('', () => this.createEntryPoint(props, appPortValid));
    const database = validator.buildPart('database.', () =>
      this.bindDatabase(props.database ?? DatabaseSource.create()),
    );
    // The fleets cannot be built without both: their own settings are checked instead.
    if (!validator.valid) validateInstanceSettings(validator, props);
    validator.throwIfInvalid();
    // Both are defined: a part that refused its props made throwIfInvalid throw.
    this.entryPoint = entryPoint!;
    this.database = database!.construct;
    this.databaseConnection = database!.connection;
    this.loadBalancer = this.entryPoint.loadBalancer;
    this.listener = this.entryPoint.listener;
    this.targetGroup = this.entryPoint.targetGroup;
    this.url = this.entryPoint.url;
    this.admitLoadBalancer(props);
    this.serviceMetrics = new ServiceMetrics({
      targetGroup: this.targetGroup,
      loadBalancerFullName: this.entryPoint.loadBalancerFullName,
      serviceTag: this.serviceTag,
    });

    const artifact = this.bindArtifact(application);
    this.artifactBucket = artifact?.bucket;
    this.blue = this.createFleet('Blue', 'blue', props, application, artifact);
    this.green = this.createFleet('Green', 'green', props, application, artifact);

    this.notificationTopic = props.notificationTopic ?? this.createNotificationTopic();
    this.target5xxAlarm = (props.target5xxAlarm ?? true) ? this.createTarget5xxAlarm(props) : undefined;
    this.releaseWorkflow = this.createReleaseWorkflow(props, artifact);
    this.stateMachine = this.releaseWorkflow.stateMachine;
    this.instanceValidation = props.validation && this.createInstanceValidation(props, props.validation);
    this.releaseNotifications = (props.notifications ?? true) ? this.createReleaseNotifications() : undefined;
    this.releaseDashboard =
      (props.dashboard ?? true) ? this.createReleaseDashboard(props.canary !== undefined) : undefined;
    this.addOutputs();
  }

  /** Lets the grantee start releases and rollbacks (executions of the release state machine). */
  public grantStartRelease(grantee: iam.IGrantable): iam.Grant {
    return this.releaseWorkflow.grantStartRelease(grantee);
  }

  /** Lets the grantee run every `bluegreen` command: release, rollback, status, history, approve. */
  public grantOperate(grantee: iam.IGrantable): iam.Grant {
    return this.releaseWorkflow.grantOperate(grantee);
  }

  /**
   * Requests the load balancer routed to the service (both colours).
   * @default - Sum over 5 minutes
   */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.requestCount(props);
  }

  /**
   * Responses with a 5xx status code sent by the service's instances.
   * @default - Sum over 5 minutes
   */
  public metricTarget5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.target5xxCount(props);
  }

  /**
   * Percent of requests answered 5xx by an instance, 0 without requests: what the default
   * rollback alarm (`target5xxAlarm`) watches, over one minute.
   * @default - over 5 minutes
   */
  public metricTarget5xxRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.serviceMetrics.target5xxRate(props);
  }

  /**
   * Responses with a 5xx status code generated by the load balancer itself (e.g. no healthy
   * instance). With `existingListener`, the shared load balancer's count: every service behind it.
   * @default - Sum over 5 minutes
   */
  public metricLoadBalancer5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.loadBalancer5xxCount(props);
  }

  /**
   * Seconds from a request leaving the load balancer until the instance's response headers arrive.
   * @default - Average over 5 minutes
   */
  public metricTargetResponseTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.targetResponseTime(props);
  }

  /**
   * Instances the target group considers healthy: those taking traffic.
   * @default - Average over 5 minutes
   */
  public metricHealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.healthyHostCount(props);
  }

  /**
   * Registered instances that fail the target group's health check.
   * @default - Average over 5 minutes
   */
  public metricUnhealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.unhealthyHostCount(props);
  }

  /**
   * Rollbacks of this service, automatic or requested (the `BlueGreen/Rollbacks` metric).
   * @default - Sum over 5 minutes
   */
  public metricRollbacks(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.rollbacks(props);
  }

  /**
   * Instances of the new version serving during a release's canary phase (the
   * `BlueGreen/CanaryInstances` metric); no data without a canary.
   * @default - Maximum over 1 minute
   */
  public metricCanaryInstances(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.serviceMetrics.canaryInstances(props);
  }

  private createInstanceSecurityGroup(): ec2.SecurityGroup {
    return new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      description: 'Instances of both colours: the application port from the load balancer only',
      // Packages, the artifact bucket, Secrets Manager and the Auto Scaling API.
      allowAllOutbound: true,
    });
  }

  /**
   * With an invalid `appPort` (already reported) the load balancer is checked with the default
   * port, so that its own problems are reported in the same error; nothing is deployed.
   */
  private createEntryPoint(props: BlueGreenServiceProps, appPortValid: boolean): ReleaseLoadBalancer {
    return new ReleaseLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      targetPort: appPortValid ? (props.appPort ?? APP_DEFAULTS.appPort) : APP_DEFAULTS.appPort,
      existingListener: props.existingListener,
      internetFacing: props.internetFacing,
      certificate: props.certificate,
      sslPolicy: props.sslPolicy,
      healthCheck: props.healthCheck,
      deregistrationDelay: props.deregistrationDelay,
      accessLogsBucket: props.accessLogsBucket,
    });
  }

  /** The instances admit the load balancer (created or existing) on the application and health-check ports. */
  private admitLoadBalancer(props: BlueGreenServiceProps): void {
    const appPort = props.appPort ?? APP_DEFAULTS.appPort;
    this.instanceSecurityGroup.connections.allowFrom(
      this.entryPoint,
      ec2.Port.tcp(appPort),
      'Application port from the load balancer',
    );
    const healthPort = props.healthCheck?.port;
    if (healthPort !== undefined && healthPort !== appPort) {
      this.instanceSecurityGroup.connections.allowFrom(
        this.entryPoint,
        ec2.Port.tcp(healthPort),
        'Health-check port from the load balancer',
      );
    }
  }

  private createTarget5xxAlarm(props: BlueGreenServiceProps): cloudwatch.Alarm {
    return createTarget5xxAlarm(
      this,
      this.serviceMetrics,
      props.maxTarget5xxPercent ?? DEFAULT_MAX_TARGET_5XX_PERCENT,
    );
  }

  private createInstanceValidation(
    props: BlueGreenServiceProps,
    options: InstanceValidationOptions,
  ): InstanceValidation {
    return new InstanceValidation(this, 'InstanceValidation', {
      blue: this.blue.autoScalingGroup,
      green: this.green.autoScalingGroup,
      serviceTag: this.serviceTag,
      vpc: this.vpc,
      vpcSubnets: props.instanceSubnets,
      instanceSecurityGroup: this.instanceSecurityGroup,
      appPort: props.appPort ?? APP_DEFAULTS.appPort,
      healthCheck: {
        path: props.healthCheck?.path ?? HEALTH_CHECK_DEFAULTS.path,
        port: props.healthCheck?.port,
        healthyHttpCodes: props.healthCheck?.healthyHttpCodes ?? HEALTH_CHECK_DEFAULTS.healthyHttpCodes,
      },
      lockTable: this.releaseWorkflow.lockTable,
      options,
    });
  }

  private createReleaseNotifications(): ReleaseNotifications {
    return new ReleaseNotifications(this, 'ReleaseNotifications', {
      stateMachine: this.stateMachine,
      topic: this.notificationTopic,
      serviceTag: this.serviceTag,
    });
  }

  private createReleaseDashboard(canary: boolean): ReleaseDashboard {
    return new ReleaseDashboard(this, 'ReleaseDashboard', {
      metrics: this.serviceMetrics,
      blue: this.blue.autoScalingGroup,
      green: this.green.autoScalingGroup,
      stateMachine: this.stateMachine,
      canary,
    });
  }

  private createFleet(
    id: string,
    colour: 'blue' | 'green',
    props: BlueGreenServiceProps,
    application: AppSource,
    artifact: ReleaseArtifactLocation | undefined,
  ): Fleet {
    const fleetApplication: FleetApplication = {
      mode: application.mode,
      appPort: props.appPort ?? APP_DEFAULTS.appPort,
      healthPath: props.healthCheck?.path ?? HEALTH_CHECK_DEFAULTS.path,
      artifact,
      commands: application.commands,
      database: this.databaseConnection,
    };
    return new Fleet(this, id, {
      colour,
      vpc: this.vpc,
      vpcSubnets: props.instanceSubnets,
      securityGroup: this.instanceSecurityGroup,
      targetGroup: this.targetGroup,
      serviceTag: this.serviceTag,
      maxCapacity: props.maxCapacity ?? APP_DEFAULTS.maxCapacity,
      application: fleetApplication,
      instanceType: props.instanceType,
      machineImage: props.machineImage,
      rootVolumeSize: props.rootVolumeSize,
      healthCheckGracePeriod: props.healthCheckGracePeriod,
      cpuTargetUtilization: props.cpuTargetUtilization,
    });
  }

  private createReleaseWorkflow(
    props: BlueGreenServiceProps,
    artifact: ReleaseArtifactLocation | undefined,
  ): ReleaseWorkflow {
    const minCapacity = props.minCapacity ?? APP_DEFAULTS.minCapacity;
    return new ReleaseWorkflow(this, 'ReleaseWorkflow', {
      blue: this.blue.autoScalingGroup,
      green: this.green.autoScalingGroup,
      targetGroup: this.targetGroup,
      serviceTag: this.serviceTag,
      minCapacity,
      maxCapacity: props.maxCapacity ?? APP_DEFAULTS.maxCapacity,
      defaultCapacity: props.defaultCapacity ?? minCapacity,
      healthTimeout: props.healthTimeout ?? APP_DEFAULTS.healthTimeout,
      bakeTime: props.bakeTime ?? APP_DEFAULTS.bakeTime,
      // A new target needs one passing check: polling faster than the checks learns nothing.
      pollInterval: this.entryPoint.healthCheckInterval,
      artifact,
      rollbackAlarms: [
        ...(this.target5xxAlarm ? [this.target5xxAlarm] : []),
        ...(props.rollbackAlarms ?? []),
      ],
      approval: props.approval && {
        gates: props.approval.gates ?? APPROVAL_DEFAULTS.gates,
        timeout: props.approval.timeout ?? APPROVAL_DEFAULTS.timeout,
        onTimeout: props.approval.onTimeout ?? APPROVAL_DEFAULTS.onTimeout,
        topic: this.notificationTopic,
      },
      hooks: props.hooks,
      instanceValidation: props.validation && {
        heartbeatTimeout: validationHeartbeatTimeout(props.validation),
      },
      canary: props.canary,
    });
  }

  /** Encrypted with the AWS managed key: no key to manage, and publishers need no KMS grant. */
  private createNotificationTopic(): sns.Topic {
    return new sns.Topic(this, 'NotificationTopic', {
      displayName: 'Blue-green releases',
      masterKey: kms.Alias.fromAliasName(this, 'NotificationTopicKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
  }

  private createVpc(): ec2.Vpc {
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Application', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { FlowLog: { trafficType: ec2.FlowLogTrafficType.ALL } },
    });
  }

  private bindDatabase(source: DatabaseSource): {
    construct?: ServiceDatabase;
    connection?: DatabaseConnection;
  } {
    if (source.kind === 'create') {
      const construct = new ServiceDatabase(this, 'Database', {
        ...source.options,
        vpc: this.vpc,
        clientSecurityGroup: this.instanceSecurityGroup,
      });
      return { construct, connection: construct.connection };
    }
    if (source.kind === 'existing' && source.existing) {
      const existing = source.existing;
      existing.securityGroup?.addIngressRule(
        this.instanceSecurityGroup,
        ec2.Port.tcp(existing.port),
        'Database port from the blue/green instances',
      );
      return {
        connection: {
          endpoint: existing.endpoint,
          port: Tokenization.stringifyNumber(existing.port),
          secret: existing.secret,
        },
      };
    }
    return {};
  }

  private bindArtifact(application: AppSource): ReleaseArtifactLocation | undefined {
    if (application.mode !== 'artifact') return undefined;
    const bucket = application.bucket ?? this.createArtifactBucket();
    return {
      bucket,
      keyPrefix: application.keyPrefix ?? APP_DEFAULTS.keyPrefix,
      extension: application.extension ?? APP_DEFAULTS.extension,
    };
  }

  /**
   * The artifact bucket, its server access logs delivered to the access-logs bucket through a
   * bucket policy (never ACLs), whatever the app's `serverAccessLogsUseBucketPolicy` flag says.
   */
  private createArtifactBucket(): s3.Bucket {
    // With an existing listener there is no access-logs bucket of this construct to share.
    const logs = this.entryPoint.accessLogsBucket ?? createLogBucket(this, 'ServerAccessLogs');
    const logPrefix = 'artifact-bucket/';
    const bucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: logs.bucketName,
      logFilePrefix: logPrefix,
    };
    logs.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [logs.arnForObjects(`${logPrefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
    return bucket;
  }

  private addOutputs(): void {
    if (this.url !== undefined) {
      new CfnOutput(this, 'Url', { value: this.url, description: 'URL of the service' });
    }
    new CfnOutput(this, 'BlueGroupName', {
      value: this.blue.autoScalingGroup.autoScalingGroupName,
      description: 'Auto Scaling group of the blue fleet',
    });
    new CfnOutput(this, 'GreenGroupName', {
      value: this.green.autoScalingGroup.autoScalingGroupName,
      description: 'Auto Scaling group of the green fleet',
    });
    // Guarded: a workflow under construction may not have its state machine yet.
    const stateMachine = this.stateMachine as sfn.StateMachine | undefined;
    if (stateMachine) {
      new CfnOutput(this, 'StateMachineArn', {
        value: stateMachine.stateMachineArn,
        description: 'Release state machine: start an execution with {"version": "<version>"}',
      });
    }
    new CfnOutput(this, 'NotificationTopicArn', {
      value: this.notificationTopic.topicArn,
      description: 'Topic of release notifications: subscribe to follow releases',
    });
    if (this.releaseDashboard) {
      new CfnOutput(this, 'DashboardName', {
        value: this.releaseDashboard.dashboard.dashboardName,
        description: 'CloudWatch dashboard of the service and its releases',
      });
    }
    if (this.artifactBucket) {
      new CfnOutput(this, 'ArtifactBucketName', {
        value: this.artifactBucket.bucketName,
        description: 'Bucket of the release artifacts',
      });
    }
  }
}

/**
 * Targets per target group and per Application Load Balancer, by default (Elastic Load Balancing
 * quotas: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
 */
const DEFAULT_TARGET_QUOTA = 1000;

/**
 * The service's own rules: the props it uses itself or hands to several parts (capacity, the
 * application and its port, timings, guards, the service tag) and the rules between parts. Props
 * of one part only (the health check, the load balancer's, the fleets' and the database's
 * settings) are checked by that part.
 */
function validateServiceProps(
  validator: PropsValidator,
  props: BlueGreenServiceProps,
): { readonly appPortValid: boolean } {
  // Capacity.
  const minValid = validator.integerBetween('minCapacity', props.minCapacity, 1, 1000);
  const maxValid = validator.integerBetween('maxCapacity', props.maxCapacity, 1, 1000);
  const defaultValid = validator.integerBetween('defaultCapacity', props.defaultCapacity, 1, 1000);
  const minCapacity = props.minCapacity ?? APP_DEFAULTS.minCapacity;
  const maxCapacity = props.maxCapacity ?? APP_DEFAULTS.maxCapacity;
  if (minValid || maxValid) {
    validator.notGreaterThan('minCapacity', minCapacity, 'maxCapacity', maxCapacity);
  }
  if (defaultValid) {
    validator.notGreaterThan('minCapacity', minCapacity, 'defaultCapacity', props.defaultCapacity);
    validator.notGreaterThan('defaultCapacity', props.defaultCapacity, 'maxCapacity', maxCapacity);
  }
  const quotaValid = validator.integerBetween('targetQuota', props.targetQuota, 2, 1_000_000);
  const targetQuota = props.targetQuota ?? DEFAULT_TARGET_QUOTA;
  if ((maxValid || quotaValid) && !Token.isUnresolved(maxCapacity) && !Token.isUnresolved(targetQuota)) {
    if (2 * maxCapacity > targetQuota) {
      validator.addProblem(
        `2 × maxCapacity (${2 * maxCapacity}) must be <= targetQuota (${targetQuota}): both colours are registered ` +
          'in the one target group between scale-up and swap (Elastic Load Balancing allows 1,000 targets per ' +
          'target group unless your quota was raised; declare a raised quota with targetQuota)',
      );
    }
  }
  validator.secondsBetween('healthTimeout', props.healthTimeout, 60, 86400);
  validator.secondsBetween('bakeTime', props.bakeTime, 0, 86400);
  validateGuardProps(validator, props);
  // The security group, the fleets' boot script and the target group use it.
  const appPortValid =
    validator.integerBetween('appPort', props.appPort, 1, 65535) ||
    props.appPort === undefined ||
    Token.isUnresolved(props.appPort);

  // The application.
  const application = props.application;
  if (application?.mode === 'artifact') {
    validator.matches(
      'application keyPrefix',
      application.keyPrefix,
      /^(?!\/)(?!.*\/\/)[A-Za-z0-9._\-/]{0,200}$/,
      'letters, digits, ".", "_", "-" and "/" (no leading "/", no "//", at most 200 characters)',
    );
    if (application.extension !== undefined && !ARTIFACT_EXTENSIONS.includes(application.extension)) {
      validator.addProblem(
        `application extension (${quote(application.extension)}) must be one of ${ARTIFACT_EXTENSIONS.join(', ')} ` +
          '(what the boot script can unpack)',
      );
    }
  }
  if (application?.mode === 'commands') {
    const script = application.commands ?? '';
    if (script.trim() === '') {
      validator.addProblem(`application commands (${quote(script)}) must not be empty`);
    } else {
      const bytes = Buffer.byteLength(script, 'utf8');
      const limit = maxCommandsBytes();
      if (bytes > limit) {
        validator.addProblem(
          `application commands (${bytes} bytes) must be at most ${limit} bytes: user data also carries the ` +
            'boot script and EC2 limits it to 16 KB; ship larger setups as an artifact',
        );
      }
    }
  }

  // An existing database (a new one checks its own options).
  const database = props.database;
  if (database?.kind === 'existing' && database.existing) {
    validateExistingDatabase(validator, database.existing, 'database.existing.');
  }

  // Conflicts between props.
  if (props.vpc && props.instanceSubnets === undefined && props.vpc.privateSubnets.length === 0) {
    validator.addProblem(
      `vpc (${props.vpc.node.path}) has no private subnets with egress: set instanceSubnets to subnets with outbound access`,
    );
  }
  validator.matches(
    'serviceTag',
    props.serviceTag,
    /^[A-Za-z0-9][A-Za-z0-9+\-=._:@]{0,127}$/,
    'at most 128 letters, digits or "+ - = . _ : @", starting with a letter or digit',
  );

  // Advisories.
  if (isConcreteNumber(props.minCapacity) && props.minCapacity === 1) {
    validator.warn(
      'singleInstance',
      'minCapacity (1): the live group runs one instance between releases, so an instance or Availability Zone failure interrupts the service',
    );
  }
  return { appPortValid };
}

/**
 * The service tag names one service: the CLI finds the groups by it and the rollbacks metric is
 * counted per tag, so two services with the same tag in one account and region would be found
 * together and counted together. Reported by the later of the two in the construct tree, naming
 * both paths. Tokens are skipped (known at deploy time only), and so are services whose stacks
 * are in provably different accounts or regions (both concrete and different).
 */
function duplicateServiceTagProblems(service: BlueGreenService): string[] {
  const tag = service.serviceTag;
  if (Token.isUnresolved(tag)) return [];
  for (const other of service.node.root.node.findAll()) {
    if (other === service) return [];
    if (!BlueGreenService.isBlueGreenService(other) || other.serviceTag !== tag) continue;
    if (inDifferentEnvironments(service, other)) continue;
    return [
      `serviceTag (${tag}) is used by two services in this app: ${other.node.path} and ${service.node.path}; ` +
        'give each service its own serviceTag (or leave it unset for a unique default)',
    ];
  }
  return [];
}

function inDifferentEnvironments(a: IConstruct, b: IConstruct): boolean {
  const differ = (x: string, y: string) => !Token.isUnresolved(x) && !Token.isUnresolved(y) && x !== y;
  const stackA = Stack.of(a);
  const stackB = Stack.of(b);
  return differ(stackA.account, stackB.account) || differ(stackA.region, stackB.region);
}
