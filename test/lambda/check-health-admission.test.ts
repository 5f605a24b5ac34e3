import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { BatchGetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { handler as checkHealth } from '../../lambda/check-health';
import { ENV } from '../../lib/contract/environment';
import {
  basePlan,
  baseState,
  GROUP_NAMES,
  inService,
  LOCK_TABLE,
  OTHER,
  setEnvironment,
  type GroupSpec,
} from './fixtures';
import { autoScaling, dynamoDb, givenFleet, givenLockOwner, resetAws } from './harness';

/**
 * CheckHealth with pre-traffic validation: it lets the validated instances held for this release
 * into the target group together, fenced and guarded like every step that changes the fleet.
 */

const NOW = 1_700_000_100_000;
const HEARTBEAT_S = 420;
const liveBlue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
const held: GroupSpec = {
  role: 'idle',
  version: 'v2.0.0',
  desired: 3,
  instances: [
    ['i-g1', 'Pending:Wait'],
    ['i-g2', 'Pending:Wait'],
    ['i-g3', 'Pending:Wait'],
  ],
};
const plan = basePlan({ capacity: 3, healthDeadline: NOW + 600_000 });

const passItem = (id: string): Record<string, AttributeValue> => ({
  pk: { S: `validation-pass#${id}` },
  groupName: { S: GROUP_NAMES.green },
  instanceId: { S: id },
  version: { S: 'v2.0.0' },
  hookName: { S: 'PreTrafficValidation' },
  at: { N: String(NOW - 5_000) },
});

function givenPasses(...instanceIds: string[]): void {
  dynamoDb.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, unknown> }) => ({
    Responses: { [Object.keys(input.RequestItems)[0]]: instanceIds.map(passItem) },
    UnprocessedKeys: {},
  }));
}

const completions = () =>
  autoScaling.commandCalls(CompleteLifecycleActionCommand).map((c) => c.args[0].input);

beforeEach(() => {
  resetAws();
  setEnvironment({ [ENV.instanceValidation]: String(HEARTBEAT_S), POLL_BUDGET_SECONDS: '0' });
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('CheckHealth lets a validated fleet in together', () => {
  it('GIVEN every planned instance validated and held THEN one pass completes all three with CONTINUE, listed in the fence while it does', async () => {
    givenFleet(liveBlue, held);
    givenPasses('i-g1', 'i-g2', 'i-g3');

    const next = await checkHealth(baseState({ plan }));

    expect(next.next).toBe('waitForHealth');
    expect(completions()).toEqual(
      ['i-g1', 'i-g2', 'i-g3'].map((id) => ({
        AutoScalingGroupName: GROUP_NAMES.green,
        LifecycleHookName: 'PreTrafficValidation',
        InstanceId: id,
        LifecycleActionResult: 'CONTINUE',
      })),
    );
    expect(dynamoDb).toHaveReceivedCommandWith(BatchGetItemCommand, {
      RequestItems: {
        [LOCK_TABLE]: {
          Keys: ['i-g1', 'i-g2', 'i-g3'].map((id) => ({ pk: { S: `validation-pass#${id}` } })),
          ConsistentRead: true,
        },
      },
    });
    const fenceWrites = dynamoDb
      .commandCalls(PutItemCommand)
      .map((c) => JSON.parse(c.args[0].input.Item?.inFlight?.S ?? '[]') as Array<{ step?: string }>);
    expect(fenceWrites.some((list) => list.some((i) => i.step === 'check-health'))).toBe(true);
  });

  it('GIVEN DynamoDB leaves keys unprocessed THEN they are asked again in the same pass and the fleet goes in together', async () => {
    givenFleet(liveBlue, held);
    const key = (id: string) => ({ pk: { S: `validation-pass#${id}` } });
    dynamoDb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [LOCK_TABLE]: [passItem('i-g1')] },
        UnprocessedKeys: { [LOCK_TABLE]: { Keys: [key('i-g2'), key('i-g3')], ConsistentRead: true } },
      })
      .resolvesOnce({
        Responses: { [LOCK_TABLE]: [passItem('i-g2'), passItem('i-g3')] },
        UnprocessedKeys: {},
      });

    await checkHealth(baseState({ plan }));

    const asked = dynamoDb
      .commandCalls(BatchGetItemCommand)
      .map((c) => c.args[0].input.RequestItems?.[LOCK_TABLE]?.Keys?.map((k) => k.pk?.S));
    expect(asked).toEqual([
      ['validation-pass#i-g1', 'validation-pass#i-g2', 'validation-pass#i-g3'],
      ['validation-pass#i-g2', 'validation-pass#i-g3'],
    ]);
    expect(completions().map((c) => c.InstanceId)).toEqual(['i-g1', 'i-g2', 'i-g3']);
  });

  it('GIVEN keys still unprocessed after three reads THEN those count as not validated yet: nothing is let in this pass', async () => {
    givenFleet(liveBlue, held);
    const key = (id: string) => ({ pk: { S: `validation-pass#${id}` } });
    dynamoDb.on(BatchGetItemCommand).resolves({
      Responses: { [LOCK_TABLE]: [passItem('i-g1'), passItem('i-g2')] },
      UnprocessedKeys: { [LOCK_TABLE]: { Keys: [key('i-g3')], ConsistentRead: true } },
    });

    await checkHealth(baseState({ plan }));

    expect(dynamoDb.commandCalls(BatchGetItemCommand)).toHaveLength(3);
    expect(completions()).toEqual([]);
  });

  it('GIVEN one planned instance not validated yet THEN the validated ones stay held', async () => {
    givenFleet(liveBlue, held);
    givenPasses('i-g1', 'i-g2');
    await checkHealth(baseState({ plan }));
    expect(completions()).toEqual([]);
  });

  it('GIVEN another execution took the lock THEN nothing is let in', async () => {
    givenFleet(liveBlue, held);
    givenPasses('i-g1', 'i-g2', 'i-g3');
    givenLockOwner(OTHER);
    await expect(checkHealth(baseState({ plan }))).rejects.toMatchObject({ name: 'LockLost' });
    expect(completions()).toEqual([]);
  });

  it('GIVEN validation is off THEN no pass is read and nothing is completed', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '0' });
    givenFleet(liveBlue, held);
    givenPasses('i-g1', 'i-g2', 'i-g3');
    await checkHealth(baseState({ plan }));
    expect(dynamoDb).not.toHaveReceivedCommand(BatchGetItemCommand);
    expect(completions()).toEqual([]);
  });
});
