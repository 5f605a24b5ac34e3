import {
  Aws,
  CfnCondition,
  CfnMapping,
  CfnResource,
  Duration,
  Fn,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { HEALTH_PATH_PATTERN } from './boot/user-data';
import { createLogBucket } from './log-bucket';
import { PropsValidator, concreteSeconds, quote } from './validation';

/**
 * Health check of the shared target group. The defaults are tuned for fast, safe releases and
 * rollbacks: a target that has just been registered needs one passing check, so the interval is
 * the floor of every swap and every rollback.
 */
export interface HealthCheckOptions {
  /**
   * Path the load balancer requests; the application must answer it with `healthyHttpCodes`.
   * @default '/health'
   */
  readonly path?: string;
  /**
   * Port of the health check.
   * @default - the traffic port (the application port)
   */
  readonly port?: number;
  /**
   * Time between two checks of one target (5–300 s).
   * @default Duration.seconds(5)
   */
  readonly interval?: Duration;
  /**
   * Time without an answer after which a check fails (2–120 s, less than `interval`).
   * @default Duration.seconds(4)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive passing checks before an unhealthy target becomes healthy again (2–10).
   * @default 2
   */
  readonly healthyThresholdCount?: number;
  /**
   * Consecutive failing checks before a target becomes unhealthy (2–10).
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;
  /**
   * HTTP codes that count as healthy, e.g. `'200'` or `'200-299'`.
   * @default '200'
   */
  readonly healthyHttpCodes?: string;
}

/** The defaults of `HealthCheckOptions` and of the deregistration delay. */
export const HEALTH_CHECK_DEFAULTS = {
  path: '/health',
  interval: Duration.seconds(5),
  timeout: Duration.seconds(4),
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  healthyHttpCodes: '200',
  /** Short, so that a rollback right after a swap waits little for draining targets. */
  deregistrationDelay: Duration.seconds(30),
} as const;

/**
 * Bring your own load balancer: an existing listener forwards the requests that match
 * `conditions` to the service's target group through one listener rule. The listener, its load
 * balancer and its other rules stay yours; the construct creates only the rule and the target group.
 */
export interface ExistingListenerOptions {
  /**
   * The listener, e.g. from `elbv2.ApplicationListener.fromLookup` or
   * `fromApplicationListenerAttributes`. Its security group (`listener.connections`) is admitted to
   * the application port (and the health-check port) of the instances.
   */
  readonly listener: elbv2.IApplicationListener;
  /**
   * When the listener forwards to the service: at least one condition, e.g.
   * `elbv2.ListenerCondition.hostHeaders(['shop.example.com'])` or
   * `elbv2.ListenerCondition.pathPatterns(['/shop/*'])`.
   */
  readonly conditions: readonly elbv2.ListenerCondition[];
  /**
   * Priority of the rule among the listener's rules (1–50000, unique per listener; the lowest
   * matching priority wins).
   */
  readonly priority: number;
  /**
   * URL of the service, e.g. `https://shop.example.com` (the `Url` output).
   * @default - no URL: the construct does not know the host name the conditions stand for
   */
  readonly url?: string;
}

/** Props of a `ReleaseLoadBalancer`. */
export interface ReleaseLoadBalancerProps {
  /** The VPC of the load balancer and of its target group. */
  readonly vpc: ec2.IVpc;
  /** The port the application listens on: the target group's traffic port. */
  readonly targetPort: number;
  /**
   * An existing listener to add a rule to, instead of creating a load balancer; then none of
   * `internetFacing`, `vpcSubnets`, `certificate`, `sslPolicy`, `accessLogsBucket` and
   * `accessLogsPrefix` may be set (they configure the load balancer this construct creates).
   * @default - a new Application Load Balancer and its listener
   */
  readonly existingListener?: ExistingListenerOptions;
  /**
   * Whether the load balancer has a public DNS name. `false` gives an internal load balancer
   * reachable from the VPC's CIDR only.
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Subnets of the load balancer.
   * @default - public subnets when internet-facing, private subnets otherwise
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Certificate of an HTTPS listener on port 443; port 80 then redirects to it.
   * @default - no HTTPS: one HTTP listener on port 80
   */
  readonly certificate?: acm.ICertificate;
  /**
   * TLS policy of the HTTPS listener; only valid with `certificate`.
   * @default elbv2.SslPolicy.RECOMMENDED_TLS
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * The target group's health check.
   * @default - see `HealthCheckOptions`
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * How long a deregistering target keeps serving in-flight requests (0–3600 s). A rollback
   * right after a swap waits for it.
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
  /**
   * Bucket of the access logs. ALB access logs support S3-managed encryption only (no KMS key).
   * @default - a new bucket: S3-managed encryption, SSL only, public access blocked
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * Key prefix of the access logs in the bucket.
   * @default 'load-balancer'
   */
  readonly accessLogsPrefix?: string;
}

/**
 * The entry point of the service: ONE target group shared by the blue and the green fleet, behind
 * either a new Application Load Balancer whose one listener forwards to it, or a rule on an
 * existing listener (`existingListener`). Releases never change the listener or the rule
 * (CloudFormation would reset them on the next deployment); the workflow moves instances in and
 * out of the target group through Auto Scaling Standby instead.
 */
export class ReleaseLoadBalancer extends Construct implements ec2.IConnectable {
  /** The Application Load Balancer; undefined with `existingListener` (not created here). */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /**
   * The listener that forwards to the target group: the created one (HTTPS with a certificate,
   * HTTP otherwise) or the existing one.
   */
  public readonly listener: elbv2.IApplicationListener;
  /** The rule on the existing listener that forwards to the target group; only with `existingListener`. */
  public readonly listenerRule?: elbv2.ApplicationListenerRule;
  /** The port-80 listener that redirects to HTTPS; only with a certificate. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** The one target group of both colours. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The bucket of the access logs (given or created); undefined with `existingListener`. */
  public readonly accessLogsBucket?: s3.IBucket;
  /** `http(s)://<load balancer DNS name>`, or `existingListener.url`; undefined when neither is known. */
  public readonly url?: string;
  /** The effective health-check interval (also the release workflow's poll interval). */
  public readonly healthCheckInterval: Duration;
  /** The load balancer's security groups: what the instances admit. */
  public readonly connections: ec2.Connections;
  /**
   * The `LoadBalancer` dimension of the load balancer's CloudWatch metrics (`app/<name>/<id>`), of
   * the created load balancer or of the existing listener's.
   */
  public readonly loadBalancerFullName: string;

  constructor(scope: Construct, id: string, props: ReleaseLoadBalancerProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    validateLoadBalancerProps(validator, props);
    validator.throwIfInvalid();
    this.healthCheckInterval = props.healthCheck?.interval ?? HEALTH_CHECK_DEFAULTS.interval;

    if (props.existingListener) {
      const existing = props.existingListener;
      this.targetGroup = this.createTargetGroup(props);
      this.listener = existing.listener;
      this.listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
        listener: existing.listener,
        priority: existing.priority,
        conditions: [...existing.conditions],
        targetGroups: [this.targetGroup],
      });
      this.connections = existing.listener.connections;
      this.loadBalancerFullName = loadBalancerFullNameOfListener(existing.listener.listenerArn);
      this.url = existing.url;
      return;
    }

    const internetFacing = props.internetFacing ?? true;

    const accessLogsBucket = props.accessLogsBucket ?? createLogBucket(this, 'AccessLogs');
    this.accessLogsBucket = accessLogsBucket;

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      internetFacing,
      // Requests with header names that are not valid HTTP are dropped, not forwarded to the app.
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer = loadBalancer;
    this.connections = loadBalancer.connections;
    this.loadBalancerFullName = loadBalancer.loadBalancerFullName;
    this.enableAccessLogs(loadBalancer, accessLogsBucket, props.accessLogsPrefix ?? 'load-balancer');

    this.targetGroup = this.createTargetGroup(props);

    // Who may connect: anyone for a public service, the VPC for an internal one.
    const clients = internetFacing ? ec2.Peer.anyIpv4() : ec2.Peer.ipv4(props.vpc.vpcCidrBlock);
    if (props.certificate) {
      this.listener = loadBalancer.addListener('HttpsListener', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port: 443,
        open: false,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
        sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
      this.redirectListener = loadBalancer.addListener('HttpRedirectListener', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
      loadBalancer.connections.allowFrom(clients, ec2.Port.tcp(443), 'HTTPS from clients');
      loadBalancer.connections.allowFrom(clients, ec2.Port.tcp(80), 'HTTP from clients, redirected');
      this.url = `https://${loadBalancer.loadBalancerDnsName}`;
    } else {
      this.listener = loadBalancer.addListener('HttpListener', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: 80,
        open: false,
        defaultTargetGroups: [this.targetGroup],
      });
      loadBalancer.connections.allowFrom(clients, ec2.Port.tcp(80), 'HTTP from clients');
      this.url = `http://${loadBalancer.loadBalancerDnsName}`;
    }

    if (internetFacing) {
      for (const securityGroup of loadBalancer.connections.securityGroups) {
        Validations.of(securityGroup).acknowledge({
          id: 'AwsSolutions-EC23',
          reason:
            'The internet-facing load balancer is the public entry point of the web service: its security group ' +
            'admits the listener ports (80, and 443 with a certificate) from any IPv4 address, nothing else.',
        });
      }
    }
  }

  private createTargetGroup(props: ReleaseLoadBalancerProps): elbv2.ApplicationTargetGroup {
    const healthCheck = { ...HEALTH_CHECK_DEFAULTS, ...props.healthCheck };
    return new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.INSTANCE,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.targetPort,
      deregistrationDelay: props.deregistrationDelay ?? HEALTH_CHECK_DEFAULTS.deregistrationDelay,
      healthCheck: {
        enabled: true,
        protocol: elbv2.Protocol.HTTP,
        path: healthCheck.path,
        port: props.healthCheck?.port === undefined ? 'traffic-port' : String(props.healthCheck.port),
        interval: healthCheck.interval,
        timeout: healthCheck.timeout,
        healthyThresholdCount: healthCheck.healthyThresholdCount,
        unhealthyThresholdCount: healthCheck.unhealthyThresholdCount,
        healthyHttpCodes: healthCheck.healthyHttpCodes,
      },
    });
  }

  /**
   * `logAccessLogs` needs a concrete region (the bucket policy names the region's ELB account),
   * but the stacks of this library are environment-agnostic. Without a region the policy is
   * chosen at deploy time: the region's ELB account where it has one (a mapping of the regions
   * CDK knows), and the log-delivery service principal that the newer regions use.
   */
  private enableAccessLogs(
    loadBalancer: elbv2.ApplicationLoadBalancer,
    bucket: s3.IBucket,
    prefix: string,
  ): void {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region)) {
      loadBalancer.logAccessLogs(bucket, prefix);
      return;
    }
    loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    loadBalancer.setAttribute('access_logs.s3.prefix', prefix);

    const logObjects = bucket.arnForObjects(`${prefix}/AWSLogs/${stack.account}/*`);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        resources: [logObjects],
      }),
    );
    const { accounts, hasAccount } = elbLogAccountLookup(stack);
    // In a region without an ELB account the statement names the stack's own account: harmless.
    const account = Fn.conditionIf(
      hasAccount.logicalId,
      accounts.findInMap(Aws.REGION, 'account'),
      Aws.ACCOUNT_ID,
    ).toString();
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        principals: [new iam.AccountPrincipal(account)],
        resources: [logObjects],
      }),
    );
    // The load balancer checks that it may write when access logging is switched on.
    const policy = bucket.policy?.node.defaultChild;
    if (policy && CfnResource.isCfnResource(policy)) {
      (loadBalancer.node.defaultChild as CfnResource).addResourceDependency(policy);
    }
  }
}

/**
 * The load balancer's prop rules, checked once by the constructor: every problem is collected,
 * advisories go to the construct.
 */
function validateLoadBalancerProps(validator: PropsValidator, props: ReleaseLoadBalancerProps): void {
  const hc = props.healthCheck ?? {};
  const interval = concreteSeconds(hc.interval ?? HEALTH_CHECK_DEFAULTS.interval);
  const timeout = concreteSeconds(hc.timeout ?? HEALTH_CHECK_DEFAULTS.timeout);
  const intervalValid = validator.secondsBetween('healthCheck.interval', hc.interval, 5, 300);
  const timeoutValid = validator.secondsBetween('healthCheck.timeout', hc.timeout, 2, 120);
  if (
    interval !== undefined &&
    timeout !== undefined &&
    (intervalValid || hc.interval === undefined) &&
    (timeoutValid || hc.timeout === undefined) &&
    timeout >= interval
  ) {
    validator.addProblem(
      `healthCheck.timeout (${timeout} s) must be less than healthCheck.interval (${interval} s)`,
    );
  }
  validator.integerBetween('healthCheck.healthyThresholdCount', hc.healthyThresholdCount, 2, 10);
  validator.integerBetween('healthCheck.unhealthyThresholdCount', hc.unhealthyThresholdCount, 2, 10);
  validator.integerBetween('healthCheck.port', hc.port, 1, 65535);
  validator.matches(
    'healthCheck.path',
    hc.path,
    HEALTH_PATH_PATTERN,
    'an absolute URL path starting with "/" (at most 1024 characters; no spaces, quotes, "$", "?" or "*")',
  );
  validator.matches(
    'healthCheck.healthyHttpCodes',
    hc.healthyHttpCodes,
    /^[1-5][0-9][0-9](-[1-5][0-9][0-9])?(,[1-5][0-9][0-9](-[1-5][0-9][0-9])?)*$/,
    "HTTP codes like '200', '200,204' or '200-299'",
  );
  validator.secondsBetween('deregistrationDelay', props.deregistrationDelay, 0, 3600);
  validator.integerBetween('targetPort', props.targetPort, 1, 65535);
  if (props.existingListener) {
    validateExistingListener(validator, props);
  } else {
    validateCreatedLoadBalancer(validator, props);
  }

  if (interval !== undefined && interval > 30) {
    validator.warn(
      'slowHealthCheck',
      `healthCheck.interval (${interval} s) is above 30 s: a rollback needs one passing check, so it takes at least that long`,
    );
  }
  const delay = concreteSeconds(props.deregistrationDelay);
  if (delay !== undefined && delay > 120) {
    validator.warn(
      'slowDeregistration',
      `deregistrationDelay (${delay} s) is above 120 s: a rollback right after a swap may wait that long for draining targets`,
    );
  }
}

function validateCreatedLoadBalancer(validator: PropsValidator, props: ReleaseLoadBalancerProps): void {
  if (props.sslPolicy !== undefined && props.certificate === undefined) {
    validator.addProblem(
      `sslPolicy (${quote(props.sslPolicy)}) needs certificate: without a certificate there is no HTTPS listener`,
    );
  }
  if (props.accessLogsPrefix !== undefined) {
    validator.matches(
      'accessLogsPrefix',
      props.accessLogsPrefix,
      /^(?!AWSLogs)[A-Za-z0-9!\-_.*'()]+(\/[A-Za-z0-9!\-_.*'()]+)*$/,
      'an S3 key prefix without leading or trailing "/" that does not start with "AWSLogs"',
    );
  }
  if ((props.internetFacing ?? true) && props.certificate === undefined) {
    validator.warn(
      'httpOnly',
      'The internet-facing load balancer serves plain HTTP: set certificate to serve HTTPS (port 80 then redirects)',
    );
  }
}

/** The settings of a load balancer this construct would create; none applies to an existing listener. */
const CREATE_SETTINGS = [
  'internetFacing',
  'vpcSubnets',
  'certificate',
  'sslPolicy',
  'accessLogsBucket',
  'accessLogsPrefix',
] as const;

/**
 * A rule's priority is 1–50000, unique per listener, and a rule needs at least one condition
 * (Elastic Load Balancing CreateRule:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html).
 */
function validateExistingListener(validator: PropsValidator, props: ReleaseLoadBalancerProps): void {
  const existing = props.existingListener!;
  validator.integerBetween('existingListener.priority', existing.priority, 1, 50000);
  if (existing.conditions.length === 0) {
    validator.addProblem(
      'existingListener.conditions ([]) must name at least one condition (elbv2.ListenerCondition.hostHeaders or ' +
        'pathPatterns): the rule decides which requests of the shared listener reach this service',
    );
  }
  for (const setting of CREATE_SETTINGS) {
    const value = props[setting];
    if (value === undefined) continue;
    validator.addProblem(
      `${setting} (${describeValue(value)}) configures a load balancer this construct creates: it cannot be ` +
        'combined with existingListener, whose load balancer keeps its own settings',
    );
  }
}

/** A prop value for a message: strings quoted, constructs by their path, other objects as given. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Construct.isConstruct(value)) return value.node.path;
  return 'given';
}

/**
 * The `LoadBalancer` dimension of a load balancer's metrics is the end of its ARN,
 * `app/<name>/<id>`; a listener's ARN is `...:listener/app/<name>/<id>/<listener-id>`
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 */
export function loadBalancerFullNameOfListener(listenerArn: string): string {
  const parts = Fn.split('/', listenerArn);
  return Fn.join('/', [Fn.select(1, parts), Fn.select(2, parts), Fn.select(3, parts)]);
}

/** One mapping per stack: region -> ELB account for access logs (`none` where the region has none). */
function elbLogAccountLookup(stack: Stack): { accounts: CfnMapping; hasAccount: CfnCondition } {
  const mappingId = 'ElbAccessLogAccounts';
  const existing = stack.node.tryFindChild(mappingId) as CfnMapping | undefined;
  const accounts =
    existing ??
    new CfnMapping(stack, mappingId, {
      mapping: Object.fromEntries(
        RegionInfo.regions.map((region) => [
          region.name,
          { account: RegionInfo.get(region.name).elbv2Account ?? 'none' },
        ]),
      ),
    });
  const conditionId = 'ElbAccessLogAccountInRegion';
  const hasAccount =
    (stack.node.tryFindChild(conditionId) as CfnCondition | undefined) ??
    new CfnCondition(stack, conditionId, {
      expression: Fn.conditionNot(Fn.conditionEquals(accounts.findInMap(Aws.REGION, 'account'), 'none')),
    });
  return { accounts, hasAccount };
}
