import { cli, released } from './harness';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/rehearsal-operator/rehearsal';

describe('bluegreen status', () => {
  test('between releases: the live colour and version, the idle group, nothing running, the healthy targets', async () => {
    const { env } = await released(['1.0.0', '1.1.0']);
    const run = await cli(['status'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toEqual([
      'service  DemoService54709B37  (--stack Demo)',
      'url      http://serviceloadbalancer8015e536-1234567890.sim-east-1.elb.amazonaws.com',
      'live     green  version 1.1.0  (ServiceGreenGroupASG58CC7057)  2 InService  2 healthy',
      'standby  -',
      expect.stringMatching(
        /^idle {5}blue  version 1\.0\.0  \(ServiceBlueGroupASG446BF52B\)  (2 Terminating|2 Terminated|no instances)$/,
      ),
      'running  -',
      'targets  2 healthy of 2 targets',
    ]);
  });

  test('during the bake: the old fleet in Standby and the running execution at its step', async () => {
    const { r, env } = await released(['1.0.0']);
    await cli(['release', '1.1.0'], env);
    await r.advance(90);
    const run = await cli(['status', '--state-machine', r.service.stateMachineArn], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toEqual([
      `service  DemoService54709B37  (--state-machine ${r.service.stateMachineArn})`,
      'live     green  version 1.1.0  (ServiceGreenGroupASG58CC7057)  2 InService  2 healthy',
      'standby  blue  version 1.0.0  (ServiceBlueGroupASG446BF52B)  2 in Standby',
      'idle     -',
      expect.stringMatching(
        new RegExp(
          `^running  release-1\\.1\\.0-\\S+ at Bake for \\d+s, started 1m3\\ds ago by ${CALLER.replace(/[/.]/g, '\\$&')}$`,
        ),
      ),
      'targets  2 healthy of 2 targets',
    ]);
  });

  test('a fresh service: nothing live yet', async () => {
    const { env } = await released([]);
    const run = await cli(['status', '--stack', 'Demo', '--service', 'DemoService54709B37'], env);
    expect(run.stdout).toEqual([
      'service  DemoService54709B37  (--stack Demo --service DemoService54709B37)',
      'url      http://serviceloadbalancer8015e536-1234567890.sim-east-1.elb.amazonaws.com',
      'live     none (nothing released yet)',
      'standby  -',
      'idle     blue  version -  (ServiceBlueGroupASG446BF52B)  no instances',
      'idle     green  version -  (ServiceGreenGroupASG58CC7057)  no instances',
      'running  -',
      'targets  no targets registered',
    ]);
    const wrong = await cli(['status', '--service', 'Shop'], env);
    expect(wrong).toEqual({
      code: 2,
      stdout: [],
      stderr: ['--service (Shop) matches none of the services of stack Demo: DemoService54709B37 (Service)'],
    });
  });
});

describe('bluegreen history', () => {
  test('newest first: name, action, version, start, duration, outcome and who (unknown when the input names nobody)', async () => {
    const { r, env } = await released(['1.0.0']);
    r.region.faults.unhealthyVersion('2.0.0');
    await cli(['release', '2.0.0', '--follow', '--health-timeout-seconds', '60'], env);
    await r.execute({ version: '1.1.0' }, 'started-by-hand');
    const run = await cli(['history', '--limit', '5'], env);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout;
    expect(header.split(/\s{2,}/)).toEqual([
      'EXECUTION',
      'ACTION',
      'VERSION',
      'STARTED',
      'DURATION',
      'OUTCOME',
      'WHO',
    ]);
    const cells = rows.map((row) => row.split(/\s{2,}/));
    expect(cells).toEqual([
      [
        'started-by-hand',
        'release',
        '1.1.0',
        expect.stringMatching(/^2026-01-01T/),
        expect.any(String),
        'released',
        'unknown',
      ],
      [
        expect.stringMatching(/^release-2\.0\.0-/),
        'release',
        '2.0.0',
        expect.any(String),
        expect.stringMatching(/^1m\d\ds$/),
        'rolled-back: health timeout: 0 of 2 instances healthy after 60 s',
        CALLER,
      ],
      [
        expect.stringMatching(/^release-1\.0\.0-/),
        'release',
        '1.0.0',
        '2026-01-01T00:00:00Z',
        expect.any(String),
        'released',
        CALLER,
      ],
    ]);
    const limited = await cli(['history', '--limit', '1'], env);
    expect(limited.stdout).toHaveLength(2);
  });
});
