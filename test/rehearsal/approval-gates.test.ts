import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  SFNClient,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { approvalFixture, GATE_TIMEOUT_SECONDS } from './approval-fixture';

const MACHINE = 'arn:aws:states:sim-east-1:123456789012:stateMachine:Machine';
const TOPIC = 'arn:aws:sns:sim-east-1:123456789012:Topic';

describe('approval gates (SNS publish.waitForTaskToken) in the rehearsal', () => {
  async function waiting(fixture = approvalFixture(), name = 'one') {
    const { r, sfn } = fixture;
    const call = <T>(send: () => Promise<T>) => r.perform(send);
    const { executionArn } = await call(() =>
      sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name, input: '{"version":"2.0.0"}' })),
    );
    await r.advance(5);
    const history = async (): Promise<HistoryEvent[]> =>
      (await call(() => sfn.send(new GetExecutionHistoryCommand({ executionArn })))).events ?? [];
    const scheduled = (await history()).find((e) => e.type === 'TaskScheduled')!;
    const parameters = JSON.parse(scheduled.taskScheduledEventDetails!.parameters!);
    const token = parameters.Message.taskToken as string;
    return { r, sfn, call, executionArn: executionArn!, history, scheduled, token, parameters };
  }

  test('each invocation gets its own token, shown in TaskScheduled and published to the topic', async () => {
    const { r, scheduled, token, parameters, executionArn } = await waiting();
    expect(scheduled.taskScheduledEventDetails).toMatchObject({
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
      region: 'sim-east-1',
      timeoutInSeconds: GATE_TIMEOUT_SECONDS,
    });
    expect(parameters).toEqual({
      TopicArn: TOPIC,
      Subject: 'Release waiting for approval before swap',
      Message: {
        kind: 'approval-request',
        gate: 'swap',
        version: '2.0.0',
        colour: 'green',
        executionArn,
        taskToken: token,
      },
    });
    expect(token).toMatch(/^AQ/);
    const [published] = r.region.publishedMessages();
    expect(published).toMatchObject({ topicArn: TOPIC, subject: 'Release waiting for approval before swap' });
    expect(JSON.parse(published.message)).toEqual(parameters.Message);

    const other = await waiting({ r, sfn: new SFNClient({ region: 'sim-east-1' }) }, 'two');
    expect(other.token).not.toBe(token);
    expect(r.region.publishedMessages()).toHaveLength(2);
  });

  test('SendTaskSuccess continues the execution with the output at ResultPath; the token is then closed', async () => {
    const { r, sfn, call, executionArn, token, history } = await waiting();
    await call(() =>
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approvedBy":"me","reason":"ok"}' })),
    );
    await r.advance(1);
    const described = await call(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).approval).toEqual({ approvedBy: 'me', reason: 'ok' });
    expect((await history()).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const again = call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    await expect(again).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(again).rejects.toThrow(
      'The task token has either expired or the task associated with the token has already been closed.',
    );
  });

  test('SendTaskFailure fails the task with that error and cause, which Catch matches', async () => {
    const { r, sfn, call, executionArn, token, history } = await waiting();
    await call(() =>
      sfn.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: 'ReleaseRejected',
          cause: 'rejected by me: not today',
        }),
      ),
    );
    await r.advance(1);
    const described = await call(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
    expect(JSON.parse(described.output!).error).toEqual({
      Error: 'ReleaseRejected',
      Cause: 'rejected by me: not today',
    });
    const failed = (await history()).find((e) => e.type === 'TaskFailed')!;
    expect(failed.taskFailedEventDetails).toEqual({
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
      error: 'ReleaseRejected',
      cause: 'rejected by me: not today',
    });
  });

  test('TimeoutSeconds is enforced: States.Timeout, a TaskTimedOut event, and the token is closed', async () => {
    const { r, sfn, call, executionArn, token, history } = await waiting();
    await r.advance(GATE_TIMEOUT_SECONDS);
    const described = await call(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'ApprovalTimedOut',
      cause: 'nobody answered',
    });
    const events = await history();
    const timedOut = events.find((e) => e.type === 'TaskTimedOut')!;
    expect(timedOut.taskTimedOutEventDetails).toMatchObject({ resourceType: 'sns', error: 'States.Timeout' });
    const scheduledAt = events.find((e) => e.type === 'TaskScheduled')!.timestamp!.getTime();
    expect(timedOut.timestamp!.getTime() - scheduledAt).toBe(GATE_TIMEOUT_SECONDS * 1000);
    expect(events.map((e) => e.type)).toContain('FailStateEntered');
    await expect(
      call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  test('StopExecution closes the waiting task; the abort is in the history with its cause', async () => {
    const { sfn, call, executionArn, token, history } = await waiting();
    await call(() => sfn.send(new StopExecutionCommand({ executionArn, cause: 'operator stopped it' })));
    await expect(
      call(() => sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'ReleaseRejected' }))),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    const last = (await history()).pop()!;
    expect(last).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: 'operator stopped it' },
    });
  });

  test('tokens that were never issued, and outputs that are not JSON, are refused as AWS refuses them', async () => {
    const { sfn, call, token } = await waiting();
    await expect(
      call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))),
    ).rejects.toBeInstanceOf(InvalidToken);
    const forged = `AQCsim${Buffer.from(JSON.stringify({ v: 1, a: '123456789012', n: 99 })).toString('base64url')}`;
    await expect(
      call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' }))),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      call(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' }))),
    ).rejects.toBeInstanceOf(InvalidOutput);
  });
});

describe('a Task without TimeoutSeconds', () => {
  test('is not cut off after the interpreter default of 60 s: AWS lets it wait', async () => {
    const { r, sfn } = approvalFixture(null);
    const { executionArn } = await r.perform(() =>
      sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'patient' })),
    );
    await r.advance(3600);
    const described = await r.perform(() => sfn.send(new DescribeExecutionCommand({ executionArn })));
    expect(described.status).toBe('RUNNING');
  });
});
