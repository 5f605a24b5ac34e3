import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { ROLLED_BACK_ERROR } from '../../lib/contract/errors';
import { approvalAnswerPayload } from '../../lib/cli/commands/approval';
import { historyLines } from '../../lib/cli/commands/history';
import { statusLines } from '../../lib/cli/commands/status';
import { executionName, utcStamp } from '../../lib/cli/execution-name';
import { count, formatDuration, formatTime, keyValueLine, table, truncate } from '../../lib/cli/format';
import { ExecutionView } from '../../lib/cli/follow';
import { findPendingApproval, stateOutput, stepEntered } from '../../lib/cli/history-events';
import { chooseService, servicesInOutputs } from '../../lib/cli/locate';
import { executionOutcome, exitCodeFor } from '../../lib/cli/outcome';
import {
  displayTitle,
  healthBar,
  progressLine,
  ProgressTracker,
  summaryLine,
  summarySentence,
} from '../../lib/cli/progress';
import { stackNameOf } from '../../lib/cli/cloud-assembly';
import { nextVersion } from '../../lib/cli/rehearsal-environment';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('formatters', () => {
  test('durations, times, counts and truncation', () => {
    expect([0, 45, 60, 312, 3599, 3600, 7380].map(formatDuration)).toEqual([
      '0s',
      '45s',
      '1m00s',
      '5m12s',
      '59m59s',
      '1h00m',
      '2h03m',
    ]);
    expect(formatTime(T0 + 123)).toBe('2026-01-01T12:00:00Z');
    expect([count(1, 'target'), count(2, 'target')]).toEqual(['1 target', '2 targets']);
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  test('key=value lines leave out undefined values and quote what would not split back', () => {
    expect(
      keyValueLine([
        ['step', 'CheckHealth'],
        ['healthy', 2],
        ['skipped', undefined],
        ['reason', 'health timeout: 0 of 2'],
        ['empty', ''],
        ['quote', 'a"b'],
      ]),
    ).toBe('step=CheckHealth healthy=2 reason="health timeout: 0 of 2" empty="" quote="a\\"b"');
  });

  test('tables pad every column but the last', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', 'eeee'],
      ]),
    ).toEqual(['a    bb  c', 'ccc  d   eeee']);
  });

  test('execution names: readable, unique per second, within 80 characters', () => {
    expect(utcStamp(T0)).toBe('20260101T120000Z');
    expect(executionName('release', '1.2.0', T0)).toBe('release-1.2.0-20260101T120000Z');
    expect(executionName('rollback', undefined, T0)).toBe('rollback-20260101T120000Z');
    const long = executionName('release', 'v'.repeat(64), T0);
    expect(long).toHaveLength(80);
    expect(long).toMatch(/^release-v+-20260101T120000Z$/);
  });
});

describe('progress', () => {
  const at = (step: string, healthy?: number, wanted = 4) => ({
    time: T0,
    step,
    ...(healthy === undefined ? {} : { healthy, wanted }),
    elapsedSeconds: 35,
  });

  test('a step is a change when entered; again only after the health figures moved', () => {
    const tracker = new ProgressTracker();
    const seen = [
      at('Prepare'),
      at('ScaleUp', 0),
      at('WaitForHealth', 0),
      at('CheckHealth', 0),
      at('WaitForHealth', 0),
      at('CheckHealth', 0),
      at('CheckHealth', 2),
      at('CheckHealth', 2),
      at('WaitForHealth', 2),
      at('Rollback', 2),
      at('WaitBeforeRollbackAgain', 2),
      at('Rollback', 2),
    ].filter((o) => tracker.isChange(o));
    expect(seen.map((o) => `${o.step} ${o.healthy ?? '-'}`)).toEqual([
      'Prepare -',
      'ScaleUp 0',
      'WaitForHealth 0',
      'CheckHealth 0',
      'CheckHealth 2',
      'WaitForHealth 2',
      'Rollback 2',
      'WaitBeforeRollbackAgain 2',
    ]);
  });

  test('the plain progress line', () => {
    expect(progressLine(at('CheckHealth', 2))).toBe(
      'time=2026-01-01T12:00:00Z step=CheckHealth healthy=2 wanted=4 elapsed=35s',
    );
    expect(progressLine(at('Prepare'))).toBe('time=2026-01-01T12:00:00Z step=Prepare elapsed=35s');
  });

  test('the canary in the plain line and the terminal title', () => {
    const canary = 'canary: 1 instance of 2.0.0 taking traffic, 4 min 12 s left';
    expect(progressLine({ ...at('WatchCanary', 1, 1), canary })).toBe(
      'time=2026-01-01T12:00:00Z step=WatchCanary healthy=1 wanted=1 elapsed=35s canary="1 instance of 2.0.0 taking traffic, 4 min 12 s left"',
    );
    expect(displayTitle('release 2.0.0', { ...at('WatchCanary', 1, 1), canary })).toBe(
      `release 2.0.0  WatchCanary  ■ 1/1 healthy  35s  ${canary}`,
    );
  });

  test('the health bar', () => {
    expect(healthBar(1, 4)).toBe('■□□□');
    expect(healthBar(5, 4)).toBe('■■■■');
    expect(healthBar(0, 0)).toBe('');
    expect(healthBar(10, 40)).toHaveLength(20);
  });
});

describe('outcomes and exit codes', () => {
  const described = (status: string, extra: Record<string, unknown> = {}) => ({
    name: 'release-2.0.0-x',
    status: status as never,
    startDate: new Date(T0),
    stopDate: new Date(T0 + 95_000),
    input: JSON.stringify({ version: '2.0.0', requestedBy: 'arn:me' }),
    ...extra,
  });

  test('a release that released', () => {
    const output = JSON.stringify({
      summary: { outcome: 'released', version: '2.0.0', liveColour: 'green' },
    });
    const o = executionOutcome(described('SUCCEEDED', { output }));
    expect(o).toEqual({
      name: 'release-2.0.0-x',
      status: 'SUCCEEDED',
      outcome: 'released',
      action: 'release',
      requestedVersion: '2.0.0',
      version: '2.0.0',
      liveColour: 'green',
      startedAt: T0,
      durationSeconds: 95,
      requestedBy: 'arn:me',
    });
    expect(exitCodeFor(o)).toBe(0);
    expect(summaryLine(T0, o)).toBe(
      'time=2026-01-01T12:00:00Z outcome=released version=2.0.0 live=green duration=1m35s status=SUCCEEDED execution=release-2.0.0-x',
    );
    expect(summarySentence(o)).toBe('released 2.0.0; green is live in 1m35s (release-2.0.0-x)');
  });

  test('a release that passed a canary says so in the summary line and sentence', () => {
    const output = JSON.stringify({
      summary: {
        outcome: 'released',
        version: '2.0.0',
        liveColour: 'green',
        canary: { instances: 1, durationSeconds: 300 },
      },
    });
    const o = executionOutcome(described('SUCCEEDED', { output }));
    expect(o.canary).toBe('1 instance for 5 min');
    expect(summaryLine(T0, o)).toBe(
      'time=2026-01-01T12:00:00Z outcome=released version=2.0.0 live=green duration=1m35s status=SUCCEEDED canary="passed 1 instance for 5 min" execution=release-2.0.0-x',
    );
    expect(summarySentence(o)).toBe(
      'released 2.0.0 after a canary of 1 instance for 5 min; green is live in 1m35s (release-2.0.0-x)',
    );
  });

  test('a release that was rolled back: exit 1, the reason from the cause, what serves from the last output', () => {
    const last = {
      summary: { outcome: 'rolled-back', version: '1.0.0', liveColour: 'blue' },
      rollback: { reason: 'x' },
    };
    const o = executionOutcome(
      described('FAILED', {
        error: ROLLED_BACK_ERROR,
        cause: 'health timeout: 0 of 2 instances healthy after 60 s',
      }),
      last as never,
    );
    expect(o).toMatchObject({
      outcome: 'rolled-back',
      version: '1.0.0',
      requestedVersion: '2.0.0',
      liveColour: 'blue',
    });
    expect(o.reason).toBe('health timeout: 0 of 2 instances healthy after 60 s');
    expect(exitCodeFor(o)).toBe(1);
    expect(summarySentence(o)).toBe(
      'rolled back 2.0.0: health timeout: 0 of 2 instances healthy after 60 s; 1.0.0 serves; blue is live in 1m35s (release-2.0.0-x)',
    );
  });

  test('failed, timed out, aborted, running; a rollback that succeeded', () => {
    expect(executionOutcome(described('FAILED', { error: 'InvalidRequest', cause: 'bad' })).outcome).toBe(
      'failed',
    );
    expect(executionOutcome(described('TIMED_OUT')).outcome).toBe('timed-out');
    expect(executionOutcome(described('ABORTED')).outcome).toBe('aborted');
    const running = executionOutcome(described('RUNNING', { stopDate: undefined }), undefined, T0 + 5000);
    expect(running).toMatchObject({ outcome: 'running', durationSeconds: 5 });
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED'])
      expect(exitCodeFor(executionOutcome(described(status)))).toBe(1);
    const rollback = executionOutcome(
      described('SUCCEEDED', {
        input: '{"action":"rollback"}',
        output: JSON.stringify({ summary: { outcome: 'rolled-back', version: '1.0.0' } }),
      }),
    );
    expect(rollback).toMatchObject({ action: 'rollback', outcome: 'rolled-back' });
    expect(exitCodeFor(rollback)).toBe(0);
  });
});

describe('history and status lines', () => {
  test('history: one row per execution; who is unknown when the input names nobody', () => {
    const lines = historyLines([
      executionOutcome({
        name: 'rollback-1',
        status: 'SUCCEEDED',
        startDate: new Date(T0),
        stopDate: new Date(T0 + 30_000),
        input: '{"action":"rollback","requestedBy":"arn:me"}',
        output: JSON.stringify({ summary: { outcome: 'rolled-back', version: '1.0.0' } }),
      }),
      executionOutcome(
        { name: 'by-hand', status: 'RUNNING', startDate: new Date(T0), input: '{"version":"2.0.0"}' },
        undefined,
        T0 + 1000,
      ),
    ]);
    expect(lines).toEqual([
      'EXECUTION   ACTION    VERSION  STARTED               DURATION  OUTCOME      WHO',
      'rollback-1  rollback  1.0.0    2026-01-01T12:00:00Z  30s       rolled-back  arn:me',
      'by-hand     release   2.0.0    2026-01-01T12:00:00Z  1s        running      unknown',
    ]);
    expect(historyLines([])).toEqual(['no executions yet']);
  });

  test('status: roles from the tags, instances by lifecycle state, healthy targets', () => {
    const group = (colour: string, role: string, version: string, states: string[]) => ({
      colour: colour as never,
      colourTag: colour,
      name: `${colour}-asg`,
      serviceTag: 'shop',
      tags: { role, version },
      minSize: 0,
      maxSize: 6,
      desiredCapacity: states.length,
      instances: states.map((lifecycleState, i) => ({
        id: `${colour}-${i}`,
        lifecycleState,
        healthStatus: 'Healthy',
      })),
      suspendedProcesses: [],
      targetGroupArns: ['tg'],
    });
    const lines = statusLines({
      service: {
        stateMachineArn: 'sm',
        groupNames: { blue: 'blue-asg', green: 'green-asg' },
        selector: '--stack Shop',
      },
      groups: [
        group('blue', 'standby', '1.0.0', ['Standby', 'Standby']),
        group('green', 'live', '1.1.0', ['InService', 'InService', 'Pending']),
      ],
      targetHealth: { 'green-0': 'healthy', 'green-1': 'healthy', 'green-2': 'initial' },
      running: [
        {
          name: 'release-1.1.0-x',
          step: 'Bake',
          stepSince: T0 - 40_000,
          startedAt: T0 - 100_000,
          requestedBy: 'arn:me',
        },
      ],
      now: T0,
    });
    expect(lines).toEqual([
      'service  shop  (--stack Shop)',
      'live     green  version 1.1.0  (green-asg)  2 InService, 1 Pending  2 healthy',
      'standby  blue  version 1.0.0  (blue-asg)  2 in Standby',
      'idle     -',
      'running  release-1.1.0-x at Bake for 40s, started 1m40s ago by arn:me',
      'targets  2 healthy of 3 targets (1 initial)',
    ]);
  });

  test('status: a running canary gets a line of its own', () => {
    const lines = statusLines({
      service: { stateMachineArn: 'sm', groupNames: { blue: 'b', green: 'g' }, selector: '--stack Shop' },
      groups: [],
      targetHealth: {},
      running: [
        {
          name: 'release-2.0.0-x',
          step: 'WatchCanary',
          canary: 'canary: 1 instance of 2.0.0 taking traffic, 4 min 12 s left',
        },
      ],
      now: T0,
    });
    expect(lines).toContain('running  release-2.0.0-x at WatchCanary');
    expect(lines[lines.indexOf('running  release-2.0.0-x at WatchCanary') + 1]).toBe(
      '         canary: 1 instance of 2.0.0 taking traffic, 4 min 12 s left',
    );
  });
});

describe('reading the execution history', () => {
  const sns = { resourceType: 'sns', resource: 'publish.waitForTaskToken' };
  const scheduled = (id: number, token: string): HistoryEvent => ({
    id,
    type: 'TaskScheduled',
    timestamp: new Date(T0 + id * 1000),
    taskScheduledEventDetails: {
      ...sns,
      region: 'eu-west-1',
      parameters: JSON.stringify({
        TopicArn: 't',
        Message: {
          kind: 'approval-request',
          gate: 'swap',
          version: '2.0.0',
          colour: 'green',
          taskToken: token,
        },
      }),
    },
  });
  /** An event as the SDK types it (timestamp filled in). */
  const ev = (e: { id: number; type: string } & Record<string, unknown>): HistoryEvent =>
    ({ timestamp: new Date(T0), ...e }) as HistoryEvent;
  const entered = (id: number, name: string): HistoryEvent => ({
    id,
    type: 'TaskStateEntered',
    timestamp: new Date(T0),
    stateEnteredEventDetails: { name, input: '{}' },
  });

  test('the newest approval request with no answer after it is pending; its token comes from the parameters', () => {
    const newestFirst = [
      ev({ id: 4, type: 'TaskSubmitted', timestamp: new Date(T0) }),
      scheduled(3, 'tok-2'),
      entered(2, 'ApproveSwap'),
    ];
    expect(findPendingApproval(newestFirst, 'arn:x')).toEqual({
      found: {
        executionArn: 'arn:x',
        taskToken: 'tok-2',
        gate: 'swap',
        version: '2.0.0',
        colour: 'green',
        stateName: 'ApproveSwap',
        since: T0 + 3000,
        eventId: 3,
      },
    });
  });

  test('an answered request, an ended execution, or no request at all: nothing pending', () => {
    const answered = [
      ev({ id: 5, type: 'TaskSucceeded', taskSucceededEventDetails: sns }),
      scheduled(3, 'tok'),
    ];
    expect(findPendingApproval(answered, 'arn:x')).toEqual({ settled: true });
    const timedOut = [
      ev({ id: 5, type: 'TaskTimedOut', taskTimedOutEventDetails: sns }),
      scheduled(3, 'tok'),
    ];
    expect(findPendingApproval(timedOut, 'arn:x')).toEqual({ settled: true });
    expect(
      findPendingApproval([ev({ id: 9, type: 'ExecutionAborted' }), scheduled(3, 'tok')], 'arn:x'),
    ).toEqual({
      settled: true,
    });
    expect(findPendingApproval([entered(2, 'CheckHealth')], 'arn:x')).toEqual({ settled: false });
    // A Lambda step's events are not approval answers.
    const lambda = [
      ev({
        id: 6,
        type: 'TaskSucceeded',
        taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke' },
      }),
      scheduled(3, 'tok'),
    ];
    expect(findPendingApproval(lambda, 'arn:x').found?.taskToken).toBe('tok');
  });

  test('the view of a followed execution: steps entered, whether a plan was known then, the end', () => {
    const view = new ExecutionView();
    const first = view.add([
      ev({ id: 1, type: 'ExecutionStarted', timestamp: new Date(T0 - 1000) }),
      ev({ id: 2, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Start' } }),
      entered(3, 'Prepare'),
      ev({
        id: 4,
        type: 'TaskStateExited',
        stateExitedEventDetails: { name: 'Prepare', output: '{"plan":{"capacity":2}}' },
      }),
      entered(5, 'ScaleUp'),
    ]);
    expect(first.map(({ step, planned }) => [step.name, planned])).toEqual([
      ['Prepare', false],
      ['ScaleUp', true],
    ]);
    expect(view).toMatchObject({ lastId: 5, startedAt: T0 - 1000, current: { name: 'ScaleUp' } });
    expect(view.ended).toBeUndefined();
    view.add([scheduled(6, 'tok')]);
    expect(view.pendingApproval('arn:x')?.taskToken).toBe('tok');
    view.add([ev({ id: 7, type: 'ExecutionAborted', executionAbortedEventDetails: { cause: 'stopped' } })]);
    expect(view.ended).toMatchObject({ type: 'ExecutionAborted', cause: 'stopped' });
    expect(view.pendingApproval('arn:x')).toBeUndefined();
  });

  test('steps entered (not Choice or Pass) and the state outputs', () => {
    expect(stepEntered(entered(2, 'Swap'))).toEqual({ id: 2, time: T0, name: 'Swap', stateType: 'Task' });
    expect(
      stepEntered(ev({ id: 3, type: 'ChoiceStateEntered', stateEnteredEventDetails: { name: 'AfterSwap' } })),
    ).toBeUndefined();
    expect(
      stepEntered(
        ev({ id: 3, type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'WaitForHealth' } }),
      )?.name,
    ).toBe('WaitForHealth');
    expect(
      stateOutput(
        ev({
          id: 4,
          type: 'TaskStateExited',
          stateExitedEventDetails: { name: 'Prepare', output: '{"plan":{"capacity":2}}' },
        }),
      ),
    ).toEqual({ plan: { capacity: 2 } });
    expect(stateOutput(entered(2, 'Swap'))).toBeUndefined();
  });
});

describe("locating a service in a stack's outputs", () => {
  const outputs = [
    { OutputKey: 'ShopStateMachineArn1A2B3C4D', OutputValue: 'arn:shop' },
    { OutputKey: 'ShopBlueGroupName11111111', OutputValue: 'shop-blue' },
    { OutputKey: 'ShopGreenGroupName22222222', OutputValue: 'shop-green' },
    { OutputKey: 'ShopUrl33333333', OutputValue: 'http://shop' },
    { OutputKey: 'AdminStateMachineArn44444444', OutputValue: 'arn:admin' },
    { OutputKey: 'AdminBlueGroupName55555555', OutputValue: 'admin-blue' },
    { OutputKey: 'AdminGreenGroupName66666666', OutputValue: 'admin-green' },
    { OutputKey: 'BucketName77777777', OutputValue: 'bucket' },
  ];

  test('groups the outputs by the construct path before the kind and the hash', () => {
    expect(servicesInOutputs(outputs)).toEqual([
      {
        prefix: 'Admin',
        stateMachineArn: 'arn:admin',
        blueGroupName: 'admin-blue',
        greenGroupName: 'admin-green',
      },
      {
        prefix: 'Shop',
        stateMachineArn: 'arn:shop',
        blueGroupName: 'shop-blue',
        greenGroupName: 'shop-green',
        url: 'http://shop',
      },
    ]);
  });

  test('one service is taken; of several, --service picks by tag or construct path, else a clear refusal', () => {
    const [admin, shop] = servicesInOutputs(outputs).map((s) => ({
      ...s,
      serviceTag: `${s.prefix.toLowerCase()}-tag`,
    }));
    expect(chooseService('Apps', [shop])).toBe(shop);
    expect(chooseService('Apps', [admin, shop], 'shop-tag')).toBe(shop);
    expect(chooseService('Apps', [admin, shop], 'Admin')).toBe(admin);
    expect(() => chooseService('Apps', [admin, shop])).toThrow(
      '--stack (Apps) holds 2 services: pick one with --service <tag>: admin-tag (Admin), shop-tag (Shop)',
    );
    expect(() => chooseService('Apps', [admin, shop], 'web')).toThrow(
      '--service (web) matches none of the services of stack Apps: admin-tag (Admin), shop-tag (Shop)',
    );
    expect(() => chooseService('Apps', [])).toThrow(
      '--stack (Apps) has no output whose key contains StateMachineArn: it holds no BlueGreenService',
    );
  });
});

describe("approval answers and the rehearsal's helpers", () => {
  test('approve sends {approvedBy, reason?}; reject sends ReleaseRejected with who and why', () => {
    expect(approvalAnswerPayload('approve', 'arn:me')).toEqual({ output: '{"approvedBy":"arn:me"}' });
    expect(approvalAnswerPayload('approve', 'arn:me', 'ok')).toEqual({
      output: '{"approvedBy":"arn:me","reason":"ok"}',
    });
    expect(approvalAnswerPayload('reject', 'arn:me', 'not today')).toEqual({
      error: 'ReleaseRejected',
      cause: 'rejected by arn:me: not today',
    });
    expect(approvalAnswerPayload('reject', 'arn:me')).toEqual({
      error: 'ReleaseRejected',
      cause: 'rejected by arn:me',
    });
  });

  test('next version and stack names of templates', () => {
    expect(nextVersion('1.0.0')).toBe('1.1.0');
    expect(nextVersion('v41')).toBe('v41-next');
    expect(stackNameOf('cdk.out/Shop.template.json')).toBe('Shop');
  });
});
