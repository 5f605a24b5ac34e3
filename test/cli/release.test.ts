import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { cli, released } from './harness';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/rehearsal-operator/rehearsal';
const PROGRESS = /^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ step=\w+( healthy=\d+ wanted=\d+)? elapsed=\w+$/;

/** `key=value` pairs of one plain line (values may be JSON-quoted). */
function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    out[match[1]] = match[2].startsWith('"') ? JSON.parse(match[2]) : match[2];
  }
  return out;
}

/** The steps of the progress lines, consecutive repeats (health changes) merged. */
function stepSequence(lines: string[]): string[] {
  const steps = lines.map((l) => fields(l).step);
  return steps.filter((step, i) => step !== steps[i - 1]);
}

/**
 * The step sequence with repeated rounds of the health-wait loop (WaitForHealth, CheckHealth)
 * merged: one round per minute of waiting, and how long the wait lasts depends on the boot,
 * app-start and registration times the region's profile draws (docs/aws-model.md).
 */
function withHealthRoundsMerged(steps: string[]): string[] {
  const out: string[] = [];
  for (const step of steps) {
    const n = out.length;
    if (step === 'WaitForHealth' && out[n - 1] === 'CheckHealth' && out[n - 2] === 'WaitForHealth') {
      out.pop(); // the round before: merged into this one
      continue;
    }
    out.push(step);
  }
  return out;
}

describe('bluegreen release --follow, stdout not a terminal', () => {
  test('one plain line per change: the steps in order with healthy/wanted, then the summary; exit 0', async () => {
    const { r, env } = await released(['1.0.0']);
    const run = await cli(['release', '1.1.0', '--follow'], env);
    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);

    const [started, ...rest] = run.stdout;
    const summary = rest.pop()!;
    expect(fields(started)).toEqual({
      time: expect.any(String),
      execution: expect.stringMatching(/^release-1\.1\.0-20260101T\d{6}Z$/),
      action: 'release',
      version: '1.1.0',
      requestedBy: CALLER,
    });
    for (const line of rest) expect(line).toMatch(PROGRESS);
    expect(withHealthRoundsMerged(stepSequence(rest))).toEqual([
      'Prepare',
      'ScaleUp',
      'WaitForHealth',
      'CheckHealth',
      'Swap',
      'Bake',
      'Finalize',
      'Released',
    ]);
    // Prepare has no plan yet, so no figures; then the new group's healthy count climbs to the capacity.
    expect(fields(rest[0])).not.toHaveProperty('healthy');
    const healthy = rest.slice(1).map((l) => Number(fields(l).healthy));
    expect(healthy).toEqual([...healthy].sort((a, b) => a - b));
    expect(healthy[0]).toBe(0);
    expect(healthy[healthy.length - 1]).toBe(2);
    expect(rest.slice(1).every((l) => fields(l).wanted === '2')).toBe(true);
    // One line per change: never the same step and figures twice in a row.
    const keys = rest.map((l) => `${fields(l).step} ${fields(l).healthy}`);
    expect(keys.filter((k, i) => k === keys[i - 1])).toEqual([]);

    expect(fields(summary)).toEqual({
      time: expect.any(String),
      outcome: 'released',
      version: '1.1.0',
      live: 'green',
      duration: expect.stringMatching(/^\d+m\d\ds$/),
      status: 'SUCCEEDED',
      execution: fields(started).execution,
    });

    // The execution was started with the caller's identity in its input.
    const sfn = new SFNClient({ region: 'sim-east-1' });
    const described = await r.perform(() =>
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${r.service.stateMachineArn.replace(':stateMachine:', ':execution:')}:${fields(started).execution}`,
        }),
      ),
    );
    expect(JSON.parse(described.input!)).toEqual({ version: '1.1.0', requestedBy: CALLER });

    // What --follow read: a Lambda step (a function ARN resource) appears as LambdaFunction* events.
    const history = await r.perform(() =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn: described.executionArn, maxResults: 12 })),
    );
    expect(history.events!.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
    ]);
    const prepare = r.service.taskSteps.Prepare;
    expect(history.events![4].lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: prepare.arn,
      timeoutInSeconds: 60,
    });
    expect(r.violations()).toEqual([]);
  });

  test('a release whose instances never pass the health check is rolled back: exit 1, with the reason', async () => {
    const { r, env } = await released(['1.0.0']);
    r.region.faults.unhealthyVersion('2.0.0');
    const run = await cli(['release', '2.0.0', '--follow', '--health-timeout-seconds', '60'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toEqual([]);
    const steps = stepSequence(run.stdout.slice(1, -1));
    expect(steps.slice(0, 4)).toEqual(['Prepare', 'ScaleUp', 'WaitForHealth', 'CheckHealth']);
    expect(steps).toContain('Rollback');
    expect(steps[steps.length - 1]).toBe('RolledBackAutomatically');
    expect(steps).not.toContain('Swap');
    expect(fields(run.stdout[run.stdout.length - 1])).toEqual({
      time: expect.any(String),
      outcome: 'rolled-back',
      version: '1.0.0',
      live: 'blue',
      requested: '2.0.0',
      duration: expect.any(String),
      status: 'FAILED',
      error: 'ReleaseRolledBack',
      reason: 'health timeout: 0 of 2 instances healthy after 60 s',
      execution: expect.stringMatching(/^release-2\.0\.0-/),
    });
    expect(r.violations()).toEqual([]);
  });

  test('rollback --follow after finalize releases the previous version again: exit 0', async () => {
    const { r, env } = await released(['1.0.0', '1.1.0']);
    const run = await cli(['rollback', '--follow'], env);
    expect(run.code).toBe(0);
    expect(fields(run.stdout[0])).toMatchObject({
      action: 'rollback',
      execution: expect.stringMatching(/^rollback-2026/),
    });
    expect(fields(run.stdout[0])).not.toHaveProperty('version');
    expect(fields(run.stdout[run.stdout.length - 1])).toMatchObject({
      outcome: 'rolled-back',
      version: '1.0.0',
      live: 'blue',
      status: 'SUCCEEDED',
    });
    expect(r.violations()).toEqual([]);
  });

  test('without --follow: prints the started line and exits 0 while the execution runs', async () => {
    const { r, env } = await released(['1.0.0']);
    const run = await cli(['release', '1.1.0', '--capacity', '3', '--bake-seconds', '60'], env);
    expect(run).toMatchObject({ code: 0, stderr: [] });
    expect(run.stdout).toHaveLength(1);
    const name = fields(run.stdout[0]).execution;
    const sfn = new SFNClient({ region: 'sim-east-1' });
    const described = await r.perform(() =>
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${r.service.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        }),
      ),
    );
    expect(described.status).toBe('RUNNING');
    expect(JSON.parse(described.input!)).toEqual({
      version: '1.1.0',
      capacity: 3,
      bakeSeconds: 60,
      requestedBy: CALLER,
    });
  });

  test("a capacity above the groups' MaxSize is refused by the workflow's own check before anything starts: exit 2", async () => {
    const { r, env } = await released(['1.0.0']);
    const sfn = new SFNClient({ region: 'sim-east-1' });
    const count = async () =>
      (
        await r.perform(() =>
          sfn.send(new ListExecutionsCommand({ stateMachineArn: r.service.stateMachineArn })),
        )
      ).executions!.length;
    const before = await count();
    const run = await cli(['release', '1.1.0', '--capacity', '99'], env);
    expect(run).toEqual({
      code: 2,
      stdout: [],
      stderr: ['capacity (99) must be an integer between 1 and 6'],
    });
    expect(await count()).toBe(before);
  });
});
