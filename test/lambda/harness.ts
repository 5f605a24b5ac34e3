/** Mocked AWS for the handler tests: every client the handlers use, with a few defaults. */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { READ_SETTLE_MS, type InFlightInvocation } from '../../lambda/shared/lock';
import type { SupersededIntent } from '../../lib/contract/release-state';
import type { TargetHealthState } from '../../lib/contract/fleet-view';
import {
  commandNames,
  describeGroupsOutput,
  lockItem,
  ME,
  READ_ONLY_COMMANDS,
  setEnvironment,
  targetHealthOutput,
  type GroupSpec,
} from './fixtures';

export const autoScaling = mockClient(AutoScalingClient);
export const loadBalancing = mockClient(ElasticLoadBalancingV2Client);
export const dynamoDb = mockClient(DynamoDBClient);
export const stepFunctions = mockClient(SFNClient);
export const s3 = mockClient(S3Client);

/** Resets every mock (call in beforeEach); the lock is held by this execution unless a test says otherwise. */
export function resetAws(): void {
  for (const mock of [autoScaling, loadBalancing, dynamoDb, stepFunctions, s3]) mock.reset();
  setEnvironment();
  installLockTable();
  givenLockOwner(ME);
}

export function givenLockOwner(owner: string | undefined, action = 'release'): void {
  givenLockItem(owner ? lockItem(owner, action) : undefined);
}

/**
 * The lock table as a small DynamoDB: GetItem returns the stored item; PutItem and DeleteItem
 * honour the two conditions lock.ts writes (`attribute_not_exists(pk)` and `#name = :value`, false
 * when the attribute is missing, as on AWS) and fail with ConditionalCheckFailedException
 * otherwise. Writes change the stored item, so a step sees its own fence entry.
 */
export const lockTable: { item: Record<string, AttributeValue> | undefined } = { item: undefined };

export function givenLockItem(item: Record<string, AttributeValue> | undefined): void {
  lockTable.item = item ? structuredClone(item) : undefined;
}

export function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

interface ConditionalInput {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
}

function conditionHolds(input: ConditionalInput): boolean {
  const current = lockTable.item;
  const expression = input.ConditionExpression;
  if (expression === undefined) return true;
  if (expression === 'attribute_not_exists(pk)') return current === undefined;
  const equality = /^(#\w+) = (:\w+)$/.exec(expression);
  if (!equality) throw new Error(`the fake lock table does not evaluate ${expression}`);
  const attribute = input.ExpressionAttributeNames?.[equality[1]];
  const expected = input.ExpressionAttributeValues?.[equality[2]];
  if (attribute === undefined || expected === undefined)
    throw new Error(`undefined name or value: ${expression}`);
  const actual = current?.[attribute];
  return actual !== undefined && JSON.stringify(actual) === JSON.stringify(expected);
}

export type LockWriteInput = ConditionalInput & { readonly Item?: Record<string, AttributeValue> };

/**
 * Runs before the next lock write (PutItem or DeleteItem) is evaluated: it may change the table (a
 * rival writer getting there first), `apply` the write itself, or throw (a failed call).
 */
export type LockWriteInterceptor = (input: LockWriteInput, apply: () => void) => void;
const interceptors: LockWriteInterceptor[] = [];

export function interceptNextLockWrite(interceptor: LockWriteInterceptor): void {
  interceptors.push(interceptor);
}

function lockWrite(input: LockWriteInput, write: () => void): Record<string, never> {
  const apply = () => {
    if (!conditionHolds(input)) throw conditionFailed();
    write();
  };
  interceptors.shift()?.(input, apply);
  apply();
  return {};
}

/** (Re)installs the fake lock table on the DynamoDB mock (after a test replaced a command's behaviour). */
export function installLockTable(): void {
  interceptors.length = 0;
  dynamoDb
    .on(GetItemCommand)
    .callsFake(() => (lockTable.item ? { Item: structuredClone(lockTable.item) } : {}));
  dynamoDb
    .on(PutItemCommand)
    .callsFake((input: LockWriteInput) =>
      lockWrite(input, () => (lockTable.item = structuredClone(input.Item))),
    );
  dynamoDb
    .on(DeleteItemCommand)
    .callsFake((input: LockWriteInput) => lockWrite(input, () => (lockTable.item = undefined)));
}

/** The stored lock item, decoded (undefined when there is none). */
export function storedLock():
  | {
      readonly owner: string | undefined;
      readonly action: string | undefined;
      readonly version: string | undefined;
      readonly fromVersion: string | undefined;
      readonly rev: number | undefined;
      readonly inFlight: InFlightInvocation[];
      readonly superseded: SupersededIntent | undefined;
    }
  | undefined {
  const item = lockTable.item;
  if (!item) return undefined;
  return {
    owner: item.owner?.S,
    action: item.action?.S,
    version: item.version?.S,
    fromVersion: item.fromVersion?.S,
    rev: item.rev?.N !== undefined ? Number(item.rev.N) : undefined,
    inFlight: item.inFlight?.S ? (JSON.parse(item.inFlight.S) as InFlightInvocation[]) : [],
    superseded: item.superseded?.S ? (JSON.parse(item.superseded.S) as SupersededIntent) : undefined,
  };
}

/** Both groups (and target health) as every following snapshot will read them. */
export function givenFleet(
  blue: GroupSpec,
  green: GroupSpec,
  health: Record<string, TargetHealthState> = {},
): void {
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(describeGroupsOutput(blue, green));
  loadBalancing.on(DescribeTargetHealthCommand).resolves(targetHealthOutput(health));
}

/** Snapshots in turn: the first call reads the first pair, the next calls the second. */
export function givenFleetSequence(
  first: readonly [GroupSpec, GroupSpec],
  then: readonly [GroupSpec, GroupSpec],
  health: Record<string, TargetHealthState> = {},
): void {
  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .resolvesOnce(describeGroupsOutput(...first))
    .resolves(describeGroupsOutput(...then));
  loadBalancing.on(DescribeTargetHealthCommand).resolves(targetHealthOutput(health));
}

/**
 * The two lock writes of a fenced step that changes nothing else: entering the in-flight list and
 * leaving it.
 */
export const FENCE_WRITES: readonly string[] = ['PutItemCommand', 'PutItemCommand'];

/** Every call that is not a read, across all clients, by command name. */
export function mutatingCalls(): string[] {
  return [autoScaling, loadBalancing, dynamoDb, stepFunctions, s3]
    .flatMap((mock) => commandNames(mock))
    .filter((name) => !READ_ONLY_COMMANDS.has(name));
}

/** Auto Scaling calls in order, as `Command groupName` (or the instance ids) for order assertions. */
export function autoScalingLog(): string[] {
  return autoScaling.calls().map(describeCall);
}

interface RecordedCall {
  readonly args: readonly unknown[];
  /** sinon's global call counter: orders calls across every mocked client. */
  readonly callId: number;
}

function describeCall(call: { readonly args: readonly unknown[] }): string {
  const command = call.args[0] as unknown as {
    constructor: { name: string };
    input: Record<string, unknown>;
  };
  const input = command.input;
  const name = command.constructor.name.replace(/Command$/, '');
  if (name === 'CreateOrUpdateTags') {
    const tags = input.Tags as Array<{ ResourceId: string; Key: string; Value: string }>;
    return `${name} ${tags[0].ResourceId} ${tags.map((t) => `${t.Key}=${t.Value}`).join(',')}`;
  }
  if (name === 'TerminateInstanceInAutoScalingGroup') return `${name} ${String(input.InstanceId)}`;
  return `${name} ${String(input.AutoScalingGroupName ?? '')}`.trim();
}

/** Every call to every mocked client, in the order they were made (lock calls as `GetItem`, `PutItem`...). */
export function timeline(): string[] {
  return [autoScaling, loadBalancing, dynamoDb, stepFunctions, s3]
    .flatMap((mock) => mock.calls() as unknown as RecordedCall[])
    .sort((a, b) => a.callId - b.callId)
    .map(describeCall);
}

/** Mutating Auto Scaling calls of the timeline that a lock read (the guard) did not immediately precede. */
export function unguardedChanges(): string[] {
  const calls = timeline();
  const mutating =
    /^(CreateOrUpdateTags|ResumeProcesses|SuspendProcesses|UpdateAutoScalingGroup|EnterStandby|ExitStandby|TerminateInstanceInAutoScalingGroup)\b/;
  return calls.filter((call, index) => mutating.test(call) && calls[index - 1] !== 'GetItem');
}

/**
 * Every invocation listed on the stored lock has ended: a step that returned (or threw) stays
 * listed only while its last calls settle into what reads answer (READ_SETTLE_MS).
 */
export function expectEveryInvocationEnded(): void {
  const listed = storedLock()?.inFlight ?? [];
  expect(listed.filter((i) => !i.ended)).toEqual([]);
}

/**
 * Runs `attempt` on fake timers until past the read-settle window: a release about to be refused
 * for a holder that reads RUNNING reads it again for READ_SETTLE_MS first.
 */
export async function pastReadSettle<T>(attempt: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  jest.useFakeTimers();
  try {
    const outcome = Promise.allSettled([attempt()]);
    await jest.advanceTimersByTimeAsync(READ_SETTLE_MS + 2_000);
    return (await outcome)[0];
  } finally {
    jest.useRealTimers();
  }
}

/**
 * Runs `work` while letting fake time (jest's modern timers) pass a second at a time; returns its
 * result and the fake time it took since `startMs`, or throws what `work` threw.
 */
export async function timedUnderFakeTimers<T>(
  work: Promise<T>,
  startMs: number,
): Promise<{ result: T; elapsedMs: number }> {
  let settled = false;
  const tracked = work.finally(() => (settled = true));
  // Handled here until awaited below: a rejection while time passes is not an unhandled one.
  tracked.catch(() => undefined);
  while (!settled) await jest.advanceTimersByTimeAsync(1000);
  return { result: await tracked, elapsedMs: Date.now() - startMs };
}
