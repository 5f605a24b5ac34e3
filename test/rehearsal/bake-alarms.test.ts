import { Duration } from 'aws-cdk-lib';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import { rehearse, serviceTemplate } from './harness';

/** The example service with a 3-minute bake, so an alarm has time to fire during it. */
function withBake(): Rehearsal {
  return rehearse({}, serviceTemplate('bake-3min', { bakeTime: Duration.minutes(3) }));
}

function statesEntered(execution: { events: ReadonlyArray<{ type: string; state?: string }> }): string[] {
  return execution.events.filter((e) => e.type === 'StateEntered').map((e) => e.state!);
}

describe('alarm-driven rollback during the bake', () => {
  test('the template alarm on the 5xx rate is watched, and OK lets the release finalize after the bake', async () => {
    const r = withBake();
    expect(r.service.alarmNames).toHaveLength(1);
    await r.execute({ version: 'v1' });
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('SUCCEEDED');
    const checks = r.region.calls
      .history()
      .filter((c) => c.command === 'DescribeAlarms')
      .map((c) => c.time);
    const gaps = checks.slice(1).map((t, i) => t - checks[i]);
    // Checked every poll interval (5 s, plus the call's own latency), never less often.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5_100);
    const entered = (state: string) =>
      release.events.find((e) => e.type === 'StateEntered' && e.state === state)!.time;
    // The bake lasts its 3 minutes, not a poll longer.
    expect(entered('Finalize') - entered('Bake')).toBeGreaterThanOrEqual(180_000);
    expect(entered('Finalize') - entered('Bake')).toBeLessThan(181_000);
    expect(r.violations()).toEqual([]);
  });

  test('an alarm that fires during the bake rolls back to the warm Standby fleet', async () => {
    const r = withBake();
    await r.execute({ version: 'v1' });
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'Bake');
    await r.advance(40);
    const [alarm] = r.service.alarmNames;
    r.region.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 1 datapoint [23.5] was greater than 5.0');
    const firedAt = r.clock.now();
    await r.run(release.done);

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toBe(
      `alarm ${alarm} in ALARM during the bake of v2: Threshold Crossed: 1 datapoint [23.5] was greater than 5.0`,
    );
    const entered = statesEntered(release);
    expect(entered.slice(entered.indexOf('Bake'))).toEqual(
      expect.arrayContaining(['Bake', 'AfterBake', 'Rollback', 'RolledBackAutomatically']),
    );
    expect(entered).not.toContain('Finalize');
    // Seen within one poll interval (5 s) plus the Lambda's invoke latency.
    const rollbackEntered = release.events.find((e) => e.type === 'StateEntered' && e.state === 'Rollback')!;
    expect(rollbackEntered.time - firedAt).toBeLessThanOrEqual(5_500);

    // The rollback was counted once, as an embedded metric in the rollback step's log.
    const metrics = r.logs.filter((l) => l.text.includes('"Rollbacks":1'));
    expect(metrics).toHaveLength(1);

    await r.advance(60);
    const last = r.region.traffic.perSecond.at(-1)!;
    expect(Object.keys(last.served)).toEqual(['v1']);
    expect(r.violations()).toEqual([]);
  });

  test('a version that passes its health checks but answers 5xx is rolled back by the 5xx alarm, unaided', async () => {
    const r = withBake();
    await r.execute({ version: 'v1' });
    r.region.faults.errorResponses('v2', 0.5);
    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    const [alarm] = r.service.alarmNames;
    // The first minute with v2 serving already crosses 5 % (v2 answers half of its share with 5xx).
    const match = new RegExp(
      `^alarm ${alarm} in ALARM during the bake of v2: Threshold Crossed: 1 datapoint\\(s\\) \\[(\\d+\\.\\d)\\] greater than the threshold \\(5\\)$`,
    ).exec(release.cause ?? '');
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(5);
    const entered = statesEntered(release);
    expect(entered).toContain('Bake');
    expect(entered).not.toContain('Finalize');
    await r.advance(60);
    expect(Object.keys(r.region.traffic.perSecond.at(-1)!.served)).toEqual(['v1']);
    expect(r.violations()).toEqual([]);
  });
});
