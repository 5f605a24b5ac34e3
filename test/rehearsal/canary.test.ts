import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService } from '../../lib/blue-green-service';
import type { ReleaseHookPayload } from '../../lib/contract/release-hooks';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { CANARY_WATCH_STATE_NAME } from '../../lib/contract/canary';
import type { ReleaseState } from '../../lib/contract/release-state';
import { activeInstances, liveVersion } from '../../lib/rehearsal/invariants';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { RehearsalExecution } from '../../lib/rehearsal/executions';
import { groupOf, rehearse, serviceTemplate, stubFunction } from './harness';

/**
 * The canary phase in the rehearsal: one instance of the new version takes its share of traffic
 * beside the live fleet (two instances) for 3 minutes before the full scale-up; an alarm, a
 * rollback execution or a stop during it retires the canary with the live fleet serving throughout.
 */

const CANARY_SECONDS = 180;

function withCanary(): Rehearsal {
  return rehearse(
    {},
    serviceTemplate('canary-1x3min', {
      canary: { instances: 1, duration: Duration.seconds(CANARY_SECONDS) },
      bakeTime: Duration.minutes(2),
    }),
  );
}

let hooked: CfnTemplate | undefined;

/** The canary service with a beforeTraffic hook function (15-minute function, 5-minute Task). */
function hookedTemplate(): CfnTemplate {
  if (!hooked) {
    const stack = new Stack(new App(), 'CanaryHooked');
    new BlueGreenService(stack, 'Service', {
      canary: { instances: 1, duration: Duration.seconds(CANARY_SECONDS) },
      hooks: {
        beforeTraffic: { function: stubFunction(stack, 'Expand') },
      },
    });
    hooked = Template.fromStack(stack).toJSON() as CfnTemplate;
  }
  return hooked;
}

/** Requests dropped (or failed) once the first version served: the monitor's count. */
const dropped = (r: Rehearsal) => r.monitor.traffic.reduce((sum, s) => sum + s.dropped, 0);

function entered(execution: RehearsalExecution, state: string): number {
  const event = execution.events.find((e) => e.type === 'StateEntered' && e.state === state);
  if (!event) throw new Error(`${execution.name} never entered ${state}`);
  return event.time;
}

function statesEntered(execution: RehearsalExecution): string[] {
  return execution.events.filter((e) => e.type === 'StateEntered').map((e) => e.state!);
}

/** The active instances of a colour's group. */
function instancesOf(r: Rehearsal, colour: string) {
  const group = r.monitor.view().groups.find((g) => g.name === groupOf(r, colour))!;
  return activeInstances(group);
}

/** Requests each version served between two virtual times. */
function servedBetween(r: Rehearsal, from: number, to: number): Record<string, number> {
  const served: Record<string, number> = {};
  for (const second of r.region.traffic.perSecond) {
    if (second.time < from || second.time >= to) continue;
    for (const [version, n] of Object.entries(second.served)) served[version] = (served[version] ?? 0) + n;
  }
  return served;
}

/** Released v1 on blue (two instances), then started v2 and ran until the canary serves. */
async function inCanary(r: Rehearsal): Promise<RehearsalExecution> {
  await r.execute({ version: 'v1' });
  const release = r.start({ version: 'v2' });
  await r.runUntilState(release, CANARY_WATCH_STATE_NAME);
  await r.advance(20);
  return release;
}

describe('a release with a canary', () => {
  test('one instance of the new version serves its share beside the live fleet, then the release completes', async () => {
    const r = withCanary();
    await r.execute({ version: 'v1' });
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, CANARY_WATCH_STATE_NAME);
    // During the canary, the new group has exactly the canary's one instance.
    await r.advance(30);
    expect(instancesOf(r, 'green').map((i) => i.version)).toEqual(['v2']);
    expect(instancesOf(r, 'blue')).toHaveLength(2);
    await r.run(release.done);

    expect(release.status).toBe('SUCCEEDED');
    const canaryStart = entered(release, CANARY_WATCH_STATE_NAME);
    const states = statesEntered(release);
    // ScaleUp twice: the canary, then the full capacity after the watch.
    expect(states.filter((s) => s === 'ScaleUp')).toHaveLength(2);
    const fullScaleUp = release.events.filter((e) => e.type === 'StateEntered' && e.state === 'ScaleUp')[1]
      .time;
    // The watch lasted the canary's duration (3 min), not a poll longer.
    expect(fullScaleUp - canaryStart).toBeGreaterThanOrEqual(CANARY_SECONDS * 1000);
    expect(fullScaleUp - canaryStart).toBeLessThan((CANARY_SECONDS + 7) * 1000);
    // v2 served a share (about a third: one instance of three) during the canary, v1 the rest.
    const during = servedBetween(r, canaryStart, fullScaleUp);
    expect(during.v2).toBeGreaterThan(0);
    expect(during.v1).toBeGreaterThan(during.v2);
    expect(during.v2 / (during.v1 + during.v2)).toBeGreaterThan(0.2);
    expect(during.v2 / (during.v1 + during.v2)).toBeLessThan(0.45);
    expect(entered(release, 'Swap')).toBeGreaterThan(fullScaleUp);

    const output = release.output as unknown as ReleaseState;
    expect(output.summary).toMatchObject({ outcome: 'released', version: 'v2', canary: { instances: 1 } });
    expect(output.summary!.instanceIds).toHaveLength(2);
    expect(liveVersion(r.monitor.view())).toBe('v2');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('an alarm during the canary retires the canary in seconds; the live fleet serves throughout', async () => {
    const r = withCanary();
    const release = await inCanary(r);
    const [canary] = instancesOf(r, 'green');
    const [alarm] = r.service.alarmNames;
    r.region.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0');
    const firedAt = r.clock.now();
    await r.run(release.done);

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toBe(
      `alarm ${alarm} in ALARM during the canary of v2: Threshold Crossed: 1 datapoint [12.0] was greater than 5.0`,
    );
    // Seen within one poll (5 s) plus the invoke latency; no full scale-up, no swap.
    expect(entered(release, 'Rollback') - firedAt).toBeLessThanOrEqual(5_500);
    expect(statesEntered(release).filter((s) => s === 'ScaleUp')).toHaveLength(1);
    expect(statesEntered(release)).not.toContain('Swap');
    expect(instancesOf(r, 'green')).toEqual([]);
    expect(release.output).toBeUndefined();
    expect(r.region.traffic.lastServedAt.v2).toBeLessThan(firedAt + 15_000);
    expect(canary.version).toBe('v2');

    await r.advance(60);
    expect(Object.keys(r.region.traffic.perSecond.at(-1)!.served)).toEqual(['v1']);
    expect(liveVersion(r.monitor.view())).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a version that passes its health checks but answers 5xx is caught by the 5xx alarm during the canary, unaided', async () => {
    const r = withCanary();
    await r.execute({ version: 'v1' });
    r.region.faults.errorResponses('v2', 0.5);
    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    const [alarm] = r.service.alarmNames;
    expect(release.cause).toMatch(
      new RegExp(`^alarm ${alarm} in ALARM during the canary of v2: Threshold Crossed`),
    );
    // Caught before the full scale-up: one instance of v2 ever served.
    expect(statesEntered(release).filter((s) => s === 'ScaleUp')).toHaveLength(1);
    expect(statesEntered(release)).not.toContain('Swap');
    await r.advance(60);
    expect(Object.keys(r.region.traffic.perSecond.at(-1)!.served)).toEqual(['v1']);
    expect(r.violations()).toEqual([]);
  });

  test('a rollback execution during the canary takes over and retires the canary within seconds', async () => {
    const r = withCanary();
    const release = await inCanary(r);
    const rollback = r.start({ action: 'rollback' });
    const requestedAt = r.clock.now();
    await r.run(rollback.done);
    await r.run(release.done);

    expect(rollback.status).toBe('SUCCEEDED');
    expect(release.status).toBe('ABORTED');
    // The canary stopped serving within seconds of the request (the last second v2 served).
    expect(r.region.traffic.lastServedAt.v2 - requestedAt).toBeLessThan(15_000);
    expect(instancesOf(r, 'green')).toEqual([]);
    expect(liveVersion(r.monitor.view())).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a stop during the canary, then a release: the next release converges first and succeeds', async () => {
    const r = withCanary();
    const release = await inCanary(r);
    r.stop(release);
    await r.advance(5);
    const next = await r.execute({ version: 'v3' });

    expect(release.status).toBe('ABORTED');
    expect(next.status).toBe('SUCCEEDED');
    // It recovered (the canary retired) before its own canary and release.
    const states = statesEntered(next);
    expect(states.indexOf('Rollback')).toBeLessThan(states.indexOf(CANARY_WATCH_STATE_NAME));
    expect(liveVersion(r.monitor.view())).toBe('v3');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a canary instance that stops serving rolls the release back, naming it', async () => {
    const r = withCanary();
    const release = await inCanary(r);
    const [canary] = instancesOf(r, 'green');
    r.region.faults.killInstance(canary.id);
    await r.run(release.done);

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toMatch(
      new RegExp(`^the canary of v2 stopped serving: ${canary.id} is InService, unhealthy`),
    );
    expect(statesEntered(release)).not.toContain('Swap');
    expect(instancesOf(r, 'green')).toEqual([]);
    expect(liveVersion(r.monitor.view())).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a beforeTraffic hook that fails before the canary rolls back with nothing launched', async () => {
    const r = Rehearsal.fromTemplate(hookedTemplate(), {
      hooks: {
        beforeTraffic: async (payload: ReleaseHookPayload) => {
          if (payload.version === 'v2') throw new Error('column email_address: permission denied');
        },
      },
    });
    await r.execute({ version: 'v1' });
    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toBe(
      'step failed: Error in the beforeTraffic hook: column email_address: permission denied',
    );
    expect(statesEntered(release)).not.toContain('ScaleUp');
    expect(r.region.traffic.servedByVersion.v2 ?? 0).toBe(0);
    expect(liveVersion(r.monitor.view())).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('with a beforeTraffic hook: it runs once, before the canary launches, and the release completes', async () => {
    const template = hookedTemplate();
    const calls: Array<{ payload: ReleaseHookPayload; greenInstances: number }> = [];
    let r: Rehearsal | undefined = undefined;
    r = Rehearsal.fromTemplate(template, {
      hooks: {
        beforeTraffic: async (payload: ReleaseHookPayload) => {
          calls.push({ payload, greenInstances: instancesOf(r!, 'green').length });
        },
      },
    });
    await r.execute({ version: 'v1' });
    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('SUCCEEDED');
    // v1 (first release, no canary) ran it before its swap; v2 before its canary, once.
    expect(calls.map((c) => c.payload.version)).toEqual(['v1', 'v2']);
    const v2 = calls[1];
    expect(v2.greenInstances).toBe(0);
    expect(v2.payload).toMatchObject({ previousVersion: 'v1', colour: 'green', instances: [] });
    const states = statesEntered(release);
    expect(states.indexOf('BeforeTrafficHook')).toBeLessThan(states.indexOf('ScaleUp'));
    expect(states.filter((s) => s === 'BeforeTrafficHook')).toHaveLength(1);
    expect(liveVersion(r.monitor.view())).toBe('v2');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });
});
