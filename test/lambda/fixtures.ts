/** Builders shared by the handler tests: the service's environment, groups as AWS returns them, the lock. */
import { type AutoScalingGroup, type Instance, AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type TargetHealthDescription,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { InFlightInvocation } from '../../lambda/shared/lock';
import type { SupersededIntent, ReleasePlan, ReleaseState } from '../../lib/contract/release-state';
import { TagKeys, type Colour } from '../../lib/contract/tags';
import type { FleetSnapshot, GroupView, TargetHealthState } from '../../lib/contract/fleet-view';

export const GROUP_NAMES: Record<Colour, string> = { blue: 'shop-blue', green: 'shop-green' };
export const TARGET_GROUP_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/shop/abc';
export const LOCK_TABLE = 'shop-release-lock';
export const ME = 'arn:aws:states:eu-west-1:111122223333:execution:shop-release:me';
export const OTHER = 'arn:aws:states:eu-west-1:111122223333:execution:shop-release:other';

export const ENVIRONMENT: Record<string, string> = {
  SERVICE_TAG: 'shop',
  BLUE_GROUP_NAME: GROUP_NAMES.blue,
  GREEN_GROUP_NAME: GROUP_NAMES.green,
  TARGET_GROUP_ARN,
  LOCK_TABLE_NAME: LOCK_TABLE,
  MIN_CAPACITY: '2',
  MAX_CAPACITY: '6',
  DEFAULT_CAPACITY: '2',
  HEALTH_TIMEOUT_SECONDS: '900',
  BAKE_SECONDS: '300',
  POLL_SECONDS: '15',
};

/** Variables a test may add; cleared before each environment is set. */
const OPTIONAL_VARIABLES = [
  'ARTIFACT_BUCKET',
  'ARTIFACT_KEY_PREFIX',
  'ARTIFACT_EXTENSION',
  'POLL_BUDGET_SECONDS',
  'ROLLBACK_ALARM_NAMES',
  'INSTANCE_VALIDATION',
];

/** Sets the service's environment (no artifact mode, no polling budget, no alarms unless given). */
export function setEnvironment(extra: Record<string, string> = {}): void {
  for (const name of OPTIONAL_VARIABLES) delete process.env[name];
  Object.assign(process.env, ENVIRONMENT, extra);
}

export interface GroupSpec {
  readonly role?: string;
  readonly version?: string;
  readonly previousVersion?: string;
  readonly min?: number;
  readonly max?: number;
  readonly desired?: number;
  /** `[id, lifecycleState]`; desired defaults to the count of InService and Pending ones. */
  readonly instances?: ReadonlyArray<readonly [string, string]>;
  readonly suspended?: readonly string[];
}

export function inService(prefix: string, count: number): Array<[string, string]> {
  return Array.from({ length: count }, (_, i) => [
    `i-${prefix}${String(i + 1).padStart(3, '0')}`,
    'InService',
  ]);
}

function defaultDesired(spec: GroupSpec): number {
  return (spec.instances ?? []).filter(([, s]) => s === 'InService' || s.startsWith('Pending')).length;
}

export function groupView(colour: Colour, spec: GroupSpec = {}): GroupView {
  return {
    colour,
    name: GROUP_NAMES[colour],
    tags: { role: spec.role, version: spec.version, previousVersion: spec.previousVersion },
    minSize: spec.min ?? 0,
    maxSize: spec.max ?? 6,
    desiredCapacity: spec.desired ?? defaultDesired(spec),
    instances: (spec.instances ?? []).map(([id, lifecycleState]) => ({
      id,
      lifecycleState,
      healthStatus: 'Healthy',
    })),
    suspendedProcesses: spec.suspended ?? [],
  };
}

export function snapshotOf(
  blue: GroupSpec,
  green: GroupSpec,
  targetHealth: Record<string, TargetHealthState> = {},
): FleetSnapshot {
  return { groups: { blue: groupView('blue', blue), green: groupView('green', green) }, targetHealth };
}

/** Every InService instance of the specs healthy on the target group. */
export function allHealthy(...specs: GroupSpec[]): Record<string, TargetHealthState> {
  const health: Record<string, TargetHealthState> = {};
  for (const spec of specs)
    for (const [id, s] of spec.instances ?? []) if (s === 'InService') health[id] = 'healthy';
  return health;
}

/** A group as DescribeAutoScalingGroups returns it. */
export function asg(colour: Colour, spec: GroupSpec = {}): AutoScalingGroup {
  const view = groupView(colour, spec);
  const tags: Array<[string, string | undefined]> = [
    [TagKeys.colour, colour],
    [TagKeys.role, spec.role],
    [TagKeys.version, spec.version],
    [TagKeys.previousVersion, spec.previousVersion],
  ];
  return {
    AutoScalingGroupName: view.name,
    MinSize: view.minSize,
    MaxSize: view.maxSize,
    DesiredCapacity: view.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
    HealthCheckType: 'ELB',
    CreatedTime: new Date(0),
    Instances: view.instances.map((i): Instance => ({
      InstanceId: i.id,
      LifecycleState: i.lifecycleState as Instance['LifecycleState'],
      HealthStatus: i.healthStatus,
      AvailabilityZone: 'eu-west-1a',
      ProtectedFromScaleIn: false,
    })),
    SuspendedProcesses: view.suspendedProcesses.map((ProcessName) => ({
      ProcessName,
      SuspensionReason: 'User',
    })),
    Tags: tags
      .filter((t): t is [string, string] => t[1] !== undefined)
      .map(([Key, Value]) => ({
        Key,
        Value,
        ResourceId: view.name,
        ResourceType: 'auto-scaling-group',
        PropagateAtLaunch: Key === TagKeys.version,
      })),
  };
}

export function describeGroupsOutput(
  blue: GroupSpec,
  green: GroupSpec,
): { AutoScalingGroups: AutoScalingGroup[] } {
  return { AutoScalingGroups: [asg('blue', blue), asg('green', green)] };
}

export function targetHealthOutput(health: Record<string, TargetHealthState>): {
  TargetHealthDescriptions: TargetHealthDescription[];
} {
  return {
    TargetHealthDescriptions: Object.entries(health).map(([Id, State]) => ({
      Target: { Id, Port: 80 },
      TargetHealth: { State },
    })),
  };
}

/** What a test may say about the lock item beyond its owner and action. */
export interface LockSpec {
  readonly version?: string;
  readonly fromVersion?: string;
  /** The compare-and-swap revision. @default 1 */
  readonly rev?: number;
  /** Step invocations that may still be acting. @default none */
  readonly inFlight?: readonly InFlightInvocation[];
  readonly superseded?: SupersededIntent;
}

/** The lock item as DynamoDB stores it (rev and inFlight included, as lock.ts writes them). */
export function lockItem(
  owner: string,
  action = 'release',
  spec: LockSpec = {},
): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: 'release-lock' },
    owner: { S: owner },
    action: { S: action },
    version: { S: spec.version ?? 'v1.0.0' },
    acquiredAt: { N: '1700000000000' },
    rev: { N: String(spec.rev ?? 1) },
    inFlight: { S: JSON.stringify(spec.inFlight ?? []) },
  };
  if (spec.fromVersion !== undefined) item.fromVersion = { S: spec.fromVersion };
  if (spec.superseded) item.superseded = { S: JSON.stringify(spec.superseded) };
  return item;
}

/** A step invocation of `execution` listed in the fence until `until` (epoch ms). */
export function invocation(execution: string, requestId: string, until: number): InFlightInvocation {
  return { id: `${execution}/${requestId}`, execution, until };
}

export function basePlan(overrides: Partial<ReleasePlan> = {}): ReleasePlan {
  return {
    action: 'release',
    version: 'v2.0.0',
    targetColour: 'green',
    targetGroupName: GROUP_NAMES.green,
    fromColour: 'blue',
    fromGroupName: GROUP_NAMES.blue,
    fromVersion: 'v1.0.0',
    capacity: 3,
    healthTimeoutSeconds: 900,
    bakeSeconds: 300,
    ...overrides,
  };
}

export function baseState(overrides: Partial<ReleaseState> = {}): ReleaseState {
  return {
    request: { version: 'v2.0.0' },
    executionArn: ME,
    plan: basePlan(),
    timings: { prepared: 1_700_000_000_000 },
    ...overrides,
  };
}

/** Names of the commands a mocked client received, in order. */
export function commandNames(mock: { calls(): ReadonlyArray<{ args: readonly unknown[] }> }): string[] {
  return mock.calls().map((call) => (call.args[0] as object).constructor.name);
}

/** Clients whose calls the tests watch; a change is anything but a read. */
export const READ_ONLY_COMMANDS = new Set([
  'DescribeAutoScalingGroupsCommand',
  'DescribeAutoScalingInstancesCommand',
  'DescribeTargetHealthCommand',
  'GetItemCommand',
  'DescribeExecutionCommand',
  'HeadObjectCommand',
]);

export const CLIENT_CLASSES = [
  AutoScalingClient,
  ElasticLoadBalancingV2Client,
  DynamoDBClient,
  SFNClient,
  S3Client,
];
