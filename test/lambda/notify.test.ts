import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../lambda/notify';
import {
  ExecutionStatusChangeEvent,
  ExecutionStatusDetail,
  formatDuration,
  releaseNotification,
  subjectLine,
} from '../../lambda/notify/message';
import type { ReleaseState } from '../../lib/contract/release-state';

const sns = mockClient(SNSClient);

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:shop-releases';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:shop-release';
const START = Date.UTC(2026, 10, 23, 12, 0, 0);

/** GIVEN an execution status change of the release state machine. */
function detail(extra: Partial<ExecutionStatusDetail> = {}): ExecutionStatusDetail {
  return {
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:shop-release:release-1-4-2',
    stateMachineArn: STATE_MACHINE,
    name: 'release-1-4-2',
    status: 'RUNNING',
    startDate: START,
    stopDate: null,
    input: JSON.stringify({ version: '1.4.2' }),
    output: null,
    error: null,
    cause: null,
    ...extra,
  };
}

function event(extra: Partial<ExecutionStatusDetail> = {}): ExecutionStatusChangeEvent {
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: detail(extra),
  };
}

function releaseOutput(outcome: 'released' | 'rolled-back', version: string, live: 'blue' | 'green'): string {
  const state: Partial<ReleaseState> = {
    request: outcome === 'released' ? { version } : { action: 'rollback' },
    plan: {
      action: outcome === 'released' ? 'release' : 'rollback',
      version,
      targetColour: live,
      targetGroupName: `shop-${live}`,
      fromColour: live === 'blue' ? 'green' : 'blue',
      fromVersion: outcome === 'released' ? '1.4.1' : '1.4.2',
      capacity: 2,
      healthTimeoutSeconds: 900,
      bakeSeconds: 300,
    },
    summary: {
      outcome,
      version,
      liveColour: live,
      liveGroupName: `shop-${live}`,
      previousVersion: outcome === 'released' ? '1.4.1' : '1.4.2',
      instanceIds: ['i-1', 'i-2'],
      terminatedInstanceIds: [],
      durationSeconds: 452,
      timings: {},
    },
  };
  return JSON.stringify(state);
}

const ended = (status: string, extra: Partial<ExecutionStatusDetail> = {}) =>
  detail({ status, stopDate: START + 452_000, ...extra });

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  process.env.TOPIC_ARN = TOPIC_ARN;
  process.env.SERVICE_TAG = 'shop';
});

describe('releaseNotification', () => {
  test('RUNNING: a release of a version started', () => {
    const n = releaseNotification(detail(), 'shop');

    expect(n.subject).toBe('[shop] Release of 1.4.2 started');
    expect(n.message).toContain('Service: shop\n');
    expect(n.message).toContain('Action: release\n');
    expect(n.message).toContain('Version: 1.4.2\n');
    expect(n.message).toContain('Outcome: started\n');
    expect(n.message).toContain('Execution: release-1-4-2\n');
    expect(n.message).toContain('Started: 2026-11-23T12:00:00.000Z\n');
    expect(n.message).not.toContain('Duration');
    expect(n.message).not.toContain('Stopped');
    expect(n.status).toBe('RUNNING');
  });

  test('RUNNING: a requested rollback names no version', () => {
    const n = releaseNotification(detail({ input: JSON.stringify({ action: 'rollback' }) }), 'shop');

    expect(n.subject).toBe('[shop] Rollback started');
    expect(n.message).toContain('Action: rollback\n');
    expect(n.message).toContain('Version: unknown\n');
  });

  test('SUCCEEDED: a release says the version, the live colour, the previous version and the duration', () => {
    const n = releaseNotification(
      ended('SUCCEEDED', { output: releaseOutput('released', '1.4.2', 'green') }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Released 1.4.2 (green live)');
    expect(n.message).toContain('Outcome: released\n');
    expect(n.message).toContain('Live colour: green\n');
    expect(n.message).toContain('Previous version: 1.4.1\n');
    expect(n.message).toContain('Duration: 7 min 32 s\n');
    expect(n.message).toContain('Stopped: 2026-11-23T12:07:32.000Z\n');
  });

  test('SUCCEEDED after a canary: the message says the canary passed', () => {
    const output = JSON.parse(releaseOutput('released', '1.4.2', 'green'));
    output.summary.canary = { instances: 1, durationSeconds: 300 };
    const n = releaseNotification(ended('SUCCEEDED', { output: JSON.stringify(output) }), 'shop');

    expect(n.message).toContain(
      'Canary: passed (1 instance of 1.4.2 took traffic for 5 min before the full scale-up)\n',
    );
    expect(
      releaseNotification(ended('SUCCEEDED', { output: releaseOutput('released', '1.4.2', 'green') }), 'shop')
        .message,
    ).not.toContain('Canary');
  });

  test('FAILED during the canary: the cause names the canary and the alarm', () => {
    const cause = 'alarm shop-5xx in ALARM during the canary of 1.4.2: Threshold Crossed';
    const n = releaseNotification(ended('FAILED', { error: 'ReleaseRolledBack', cause }), 'shop');

    expect(n.subject).toBe('[shop] Release of 1.4.2 failed and was rolled back');
    expect(n.message).toContain(`Cause: ${cause}\n`);
  });

  test('SUCCEEDED: a requested rollback says which version is live again', () => {
    const n = releaseNotification(
      ended('SUCCEEDED', {
        input: JSON.stringify({ action: 'rollback' }),
        output: releaseOutput('rolled-back', '1.4.1', 'blue'),
      }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Rolled back to 1.4.1 (blue live)');
    expect(n.message).toContain('Action: rollback\n');
    expect(n.message).toContain('Version: 1.4.1\n');
    expect(n.message).toContain('Outcome: rolled back\n');
    expect(n.message).toContain('Live colour: blue\n');
  });

  test('SUCCEEDED without a summary: the plan gives the version and colour', () => {
    const output = JSON.stringify({ plan: { version: '1.4.2', targetColour: 'green' } });
    const n = releaseNotification(ended('SUCCEEDED', { output }), 'shop');

    expect(n.subject).toBe('[shop] Release of 1.4.2 succeeded');
    expect(n.message).toContain('Live colour: green\n');
    expect(n.message).toContain('Duration: 7 min 32 s\n');
  });

  test('FAILED after an automatic rollback: the cause (the rollback reason) is in the message', () => {
    const cause = 'green did not become healthy within 900 s: 1 of 2 instances healthy';
    const n = releaseNotification(ended('FAILED', { error: 'ReleaseRolledBack', cause }), 'shop');

    expect(n.subject).toBe('[shop] Release of 1.4.2 failed and was rolled back');
    expect(n.message).toContain('Outcome: failed, rolled back automatically\n');
    expect(n.message).toContain('Error: ReleaseRolledBack\n');
    expect(n.message).toContain(`Cause: ${cause}\n`);
    expect(n.message).toContain('Duration: 7 min 32 s\n');
    expect(n.message).not.toContain('Live colour');
  });

  test('FAILED for another reason: the error and cause are reported', () => {
    const n = releaseNotification(
      ended('FAILED', { error: 'InvalidRequest', cause: 'version ("../x") must match the version pattern' }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Release of 1.4.2 failed');
    expect(n.message).toContain('Outcome: failed\n');
    expect(n.message).toContain('Error: InvalidRequest\n');
    expect(n.message).toContain('Cause: version ("../x") must match the version pattern\n');
  });

  test('TIMED_OUT', () => {
    const n = releaseNotification(ended('TIMED_OUT', { error: 'States.Timeout' }), 'shop');

    expect(n.subject).toBe('[shop] Release of 1.4.2 timed out');
    expect(n.message).toContain('Outcome: timed out');
    expect(n.message).toContain('Error: States.Timeout\n');
  });

  test('ABORTED', () => {
    const n = releaseNotification(
      ended('ABORTED', { cause: 'taken over by rollback execution rollback-1' }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Release of 1.4.2 aborted');
    expect(n.message).toContain('Outcome: aborted');
    expect(n.message).toContain('Cause: taken over by rollback execution rollback-1\n');
  });

  test('malformed input and output JSON: falls back to the execution name and status', () => {
    const n = releaseNotification(
      ended('SUCCEEDED', { input: '{"version": "1.4', output: 'not json' }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Execution release-1-4-2 succeeded');
    expect(n.message).toContain('Action: unknown');
    expect(n.message).toContain('Version: unknown\n');
    expect(n.message).toContain('Outcome: succeeded\n');
    expect(n.message).toContain('Duration: 7 min 32 s\n');
  });

  test('input and output of the wrong shape (JSON, but not objects) count as unknown', () => {
    const n = releaseNotification(
      ended('SUCCEEDED', { input: '"1.4.2"', output: JSON.stringify({ summary: 'done', plan: [1] }) }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Execution release-1-4-2 succeeded');
  });

  test('fields of the wrong type are ignored', () => {
    const n = releaseNotification(
      ended('SUCCEEDED', {
        output: JSON.stringify({ summary: { outcome: 'released', version: 42, durationSeconds: 'long' } }),
      }),
      'shop',
    );

    expect(n.subject).toBe('[shop] Released 1.4.2');
    expect(n.message).toContain('Duration: 7 min 32 s\n');
  });

  test('an input too large to include (null) and no dates still give a notification', () => {
    const n = releaseNotification({ status: 'FAILED', input: null, startDate: null }, 'shop');

    expect(n.subject).toBe('[shop] Execution failed');
    expect(n.message).toContain('Execution: unknown\n');
  });

  test('the subject stays within 100 printable ASCII characters on one line', () => {
    const version = 'v' + '9'.repeat(150);
    const n = releaseNotification(detail({ input: JSON.stringify({ version }) }), 'shop');

    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.subject.endsWith('...')).toBe(true);
    expect(n.message).toContain(`Version: ${version}\n`);
    expect(subjectLine('été\nprêt')).toBe('?t? pr?t');
  });

  test('a very long cause is truncated in the message', () => {
    const n = releaseNotification(
      ended('FAILED', { error: 'Lambda.Unknown', cause: 'x'.repeat(40_000) }),
      'shop',
    );

    expect(n.message.length).toBeLessThan(5000);
    expect(n.message).toContain('...\n');
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0 s'],
    [45, '45 s'],
    [452, '7 min 32 s'],
    [3600, '1 h'],
    [3725.4, '1 h 2 min 5 s'],
  ])('%p seconds is %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('handler', () => {
  test.each(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'])(
    'publishes a %s status change to the topic with service and status attributes',
    async (status) => {
      await handler(event({ status, stopDate: status === 'RUNNING' ? null : START + 1000 }));

      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
      expect(sns).toHaveReceivedCommandWith(PublishCommand, {
        TopicArn: TOPIC_ARN,
        Subject: expect.stringMatching(/^\[shop\] Release of 1\.4\.2 /),
        Message: expect.stringContaining('Execution: release-1-4-2\n'),
        MessageAttributes: {
          service: { DataType: 'String', StringValue: 'shop' },
          status: { DataType: 'String', StringValue: status },
        },
      });
    },
  );

  test('publishes the message that releaseNotification formats', async () => {
    const e = event({
      status: 'SUCCEEDED',
      stopDate: START + 452_000,
      output: releaseOutput('released', '1.4.2', 'green'),
    });

    await handler(e);

    const expected = releaseNotification(e.detail!, 'shop');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      Subject: expected.subject,
      Message: expected.message,
    });
  });

  test('malformed input and output JSON still publish', async () => {
    await handler(
      event({ status: 'FAILED', input: '{', output: '[', error: 'States.TaskFailed', cause: 'boom' }),
    );

    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: '[shop] Execution release-1-4-2 failed',
      Message: expect.stringContaining('Cause: boom\n'),
    });
  });

  test('an event without detail still publishes', async () => {
    await handler({ source: 'aws.states' });

    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: '[shop] Execution: UNKNOWN' });
  });

  test('rethrows a failed publish (Lambda retries the asynchronous event)', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));

    await expect(handler(event())).rejects.toThrow('Rate exceeded');
  });

  test('refuses to run without TOPIC_ARN', async () => {
    delete process.env.TOPIC_ARN;

    await expect(handler(event())).rejects.toThrow('TOPIC_ARN');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
