import {
  CloudFormationServiceException,
  DescribeStacksCommand,
  CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListTagsForResourceCommand,
  ResourceNotFound,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { approvalFixture } from '../approval-fixture';

const MACHINE = 'arn:aws:states:sim-east-1:123456789012:stateMachine:Machine';
const execution = (name: string) => `arn:aws:states:sim-east-1:123456789012:execution:Machine:${name}`;

function fixture() {
  const { r, sfn } = approvalFixture();
  const call = <T>(send: () => Promise<T>) => r.perform(send);
  const start = (name: string, input?: string) =>
    call(() => sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name, input })));
  return { r, sfn, call, start };
}

describe('StartExecution', () => {
  test('answers the execution ARN and start date; DescribeExecution shows name, input and dates as AWS does', async () => {
    const { r, sfn, call, start } = fixture();
    const started = await start('first', '{"version":"2.0.0"}');
    expect(started).toMatchObject({ executionArn: execution('first'), $metadata: { httpStatusCode: 200 } });
    expect(started.startDate!.getTime()).toBe(Date.UTC(2026, 0, 1) + 50);
    const running = await call(() =>
      sfn.send(new DescribeExecutionCommand({ executionArn: execution('first') })),
    );
    expect(running).toMatchObject({
      executionArn: execution('first'),
      stateMachineArn: MACHINE,
      name: 'first',
      status: 'RUNNING',
      input: '{"version":"2.0.0"}',
      inputDetails: { included: true },
    });
    expect(running.stopDate).toBeUndefined();
    expect(running.output).toBeUndefined();
    await r.advance(5);
    const history = await call(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: execution('first') })),
    );
    const token = JSON.parse(
      history.events!.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!.parameters!,
    ).Message.taskToken;
    await call(() =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approvedBy":"me"}' })),
    );
    await r.advance(1);
    const done = await call(() =>
      sfn.send(
        new DescribeExecutionCommand({ executionArn: execution('first'), includedData: 'METADATA_ONLY' }),
      ),
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(done.input).toBeUndefined();
    const full = await call(() =>
      sfn.send(new DescribeExecutionCommand({ executionArn: execution('first') })),
    );
    expect(JSON.parse(full.output!)).toMatchObject({ version: '2.0.0', approval: { approvedBy: 'me' } });
  });

  test('a name is unique: the same name and input while it runs is the same execution; anything else ExecutionAlreadyExists', async () => {
    const { start } = fixture();
    const first = await start('same', '{"a":1}');
    const again = await start('same', '{"a":1}');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    const different = start('same', '{"a":2}');
    await expect(different).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(different).rejects.toThrow(`Execution Already Exists: '${execution('same')}'`);
  });

  test('refuses bad names, bad input and unknown state machines', async () => {
    const { call, sfn, start } = fixture();
    await expect(start('has space')).rejects.toBeInstanceOf(InvalidName);
    await expect(start('a:b')).rejects.toBeInstanceOf(InvalidName);
    await expect(start('x'.repeat(81))).rejects.toBeInstanceOf(InvalidName);
    await expect(start('ok', '{not json')).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(
      call(() => sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}Other`, name: 'x' }))),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      call(() => sfn.send(new StartExecutionCommand({ stateMachineArn: 'nope', name: 'x' }))),
    ).rejects.toBeInstanceOf(InvalidArn);
  });
});

describe('ListExecutions', () => {
  test('newest first, filtered by status, in pages', async () => {
    const { r, call, sfn, start } = fixture();
    for (const name of ['a', 'b', 'c']) {
      await start(name);
      await r.advance(1);
    }
    const all = await call(() => sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE })));
    expect(all.executions!.map((e) => e.name)).toEqual(['c', 'b', 'a']);
    expect(all.executions![0]).toMatchObject({
      executionArn: execution('c'),
      status: 'RUNNING',
      stateMachineArn: MACHINE,
    });
    const page = await call(() =>
      sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 2 })),
    );
    expect(page.executions!.map((e) => e.name)).toEqual(['c', 'b']);
    const rest = await call(() =>
      sfn.send(
        new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 2, nextToken: page.nextToken }),
      ),
    );
    expect(rest.executions!.map((e) => e.name)).toEqual(['a']);
    expect(rest.nextToken).toBeUndefined();
    const succeeded = await call(() =>
      sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'SUCCEEDED' })),
    );
    expect(succeeded.executions).toEqual([]);
    await expect(
      call(() => sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, nextToken: 'garbage' }))),
    ).rejects.toBeInstanceOf(InvalidToken);
  });
});

describe('GetExecutionHistory', () => {
  test('events numbered from 1 with details under the SDK member names; newest first and in pages on request', async () => {
    const { r, call, sfn, start } = fixture();
    await start('h', '{"version":"2.0.0"}');
    await r.advance(5);
    const history = await call(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: execution('h') })),
    );
    const events = history.events!;
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({
      type: 'ExecutionStarted',
      previousEventId: 0,
      executionStartedEventDetails: {
        input: '{"version":"2.0.0"}',
        roleArn: 'arn:aws:iam::123456789012:role/Role',
      },
    });
    expect(events[1]).toMatchObject({
      type: 'PassStateEntered',
      stateEnteredEventDetails: { name: 'Plan', input: '{"version":"2.0.0"}' },
    });
    expect(JSON.parse(events[2].stateExitedEventDetails!.output!)).toMatchObject({
      plan: { version: '2.0.0' },
    });
    expect(events[0].timestamp).toBeInstanceOf(Date);

    const newest = await call(() =>
      sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution('h'), reverseOrder: true, maxResults: 3 }),
      ),
    );
    expect(newest.events!.map((e) => e.id)).toEqual([events.length, events.length - 1, events.length - 2]);
    const older = await call(() =>
      sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: execution('h'),
          reverseOrder: true,
          maxResults: 3,
          nextToken: newest.nextToken,
        }),
      ),
    );
    expect(older.events!.map((e) => e.id)).toEqual([events.length - 3, events.length - 4, events.length - 5]);
    const withoutData = await call(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: execution('h'), includeExecutionData: false })),
    );
    expect(withoutData.events![0].executionStartedEventDetails).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/Role',
    });
  });
});

describe('ListTagsForResource, DescribeStacks, GetCallerIdentity', () => {
  test('the state machine carries its template tags; other resources are not found', async () => {
    const { call, sfn } = fixture();
    const tags = await call(() => sfn.send(new ListTagsForResourceCommand({ resourceArn: MACHINE })));
    expect(tags.tags).toEqual([{ key: 'bluegreen:service', value: 'fixture' }]);
    await expect(
      call(() => sfn.send(new ListTagsForResourceCommand({ resourceArn: `${MACHINE}Other` }))),
    ).rejects.toBeInstanceOf(ResourceNotFound);
  });

  test('the stack the rehearsal was made from has its outputs resolved; any other stack does not exist', async () => {
    const { r } = fixture();
    const cfn = new CloudFormationClient({ region: 'sim-east-1' });
    const described = await r.perform(() => cfn.send(new DescribeStacksCommand({ StackName: 'Gate' })));
    expect(described.Stacks![0]).toMatchObject({
      StackName: 'Gate',
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [
        { OutputKey: 'GateStateMachineArnA1B2C3D4', OutputValue: MACHINE, Description: 'the machine' },
        { OutputKey: 'GateTopicArn0F0F0F0F', OutputValue: 'arn:aws:sns:sim-east-1:123456789012:Topic' },
      ],
    });
    const byId = await r.perform(() =>
      cfn.send(new DescribeStacksCommand({ StackName: described.Stacks![0].StackId })),
    );
    expect(byId.Stacks![0].StackName).toBe('Gate');
    const missing = r.perform(() => cfn.send(new DescribeStacksCommand({ StackName: 'Nope' })));
    await expect(missing).rejects.toBeInstanceOf(CloudFormationServiceException);
    await expect(missing).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('every caller is the rehearsal operator', async () => {
    const { r } = fixture();
    const sts = new STSClient({ region: 'sim-east-1' });
    expect(await r.perform(() => sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
      Account: '123456789012',
      Arn: 'arn:aws:sts::123456789012:assumed-role/rehearsal-operator/rehearsal',
    });
  });
});
