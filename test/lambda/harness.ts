/** Mocked AWS for the handler tests: every client the handlers use, with a few defaults. */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { TargetHealthState } from '../../lambda/shared/types';
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
  givenLockOwner(ME);
}

export function givenLockOwner(owner: string | undefined, action = 'release'): void {
  dynamoDb.on(GetItemCommand).resolves(owner ? { Item: lockItem(owner, action) } : {});
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

/** Every call that is not a read, across all clients, by command name. */
export function mutatingCalls(): string[] {
  return [autoScaling, loadBalancing, dynamoDb, stepFunctions, s3]
    .flatMap((mock) => commandNames(mock))
    .filter((name) => !READ_ONLY_COMMANDS.has(name));
}

/** Auto Scaling calls in order, as `Command groupName` (or the instance ids) for order assertions. */
export function autoScalingLog(): string[] {
  return autoScaling.calls().map((call) => {
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
  });
}
