import {
  capacityViolations,
  midReleaseReasons,
  outcomeViolations,
  restorableVersions,
  settledViolations,
  stableLiveVersion,
  suspendedProcessViolations,
  type GroupView,
  type InstanceView,
  type RollbackContext,
  type ServiceView,
} from '../../lib/rehearsal/invariants';
import { settledScope } from '../../lib/rehearsal/settled-scope';

/**
 * The invariants are pure functions over a view of the service: each one is shown to report a
 * violation on a view that breaks it, and none on one that keeps it.
 */

function instance(
  id: string,
  lifecycleState: string,
  version?: string,
  extra: Partial<InstanceView> = {},
): InstanceView {
  return { id, lifecycleState, version, ...extra };
}

function group(
  name: string,
  role: string | undefined,
  version: string | undefined,
  instances: InstanceView[],
  extra: Partial<GroupView> = {},
): GroupView {
  const active = instances.filter((i) => /^(Pending|InService)/.test(i.lifecycleState)).length;
  return {
    name,
    role,
    version,
    minSize: role === 'live' ? 2 : 0,
    maxSize: 6,
    desiredCapacity: active,
    suspendedProcesses: role === 'live' ? [] : ['AZRebalance', 'AlarmNotification', 'ScheduledActions'],
    instances,
    ...extra,
  };
}

/** Healthy targets for these instances. */
function service(
  groups: GroupView[],
  healthy: string[] = groups.flatMap((g) => g.instances.map((i) => i.id)),
): ServiceView {
  return { groups, targets: healthy.map((id) => ({ id, state: 'healthy' })), lockHeld: false };
}

const blueLive = (
  version = 'v1',
  instances = [instance('b1', 'InService', version), instance('b2', 'InService', version)],
) => group('blue', 'live', version, instances);
const greenIdle = (instances: InstanceView[] = [], extra: Partial<GroupView> = {}) =>
  group('green', 'idle', 'v2', instances, extra);

describe('midReleaseReasons and stableLiveVersion', () => {
  test('one live group serving its version, the other empty: at rest', () => {
    const view = service([blueLive(), greenIdle()]);
    expect(midReleaseReasons(view)).toEqual([]);
    expect(stableLiveVersion(view)).toBe('v1');
  });

  test('a scale-out in the live group (Pending, not booted yet) is still at rest', () => {
    const view = service([
      blueLive('v1', [instance('b1', 'InService', 'v1'), instance('b3', 'Pending')]),
      greenIdle(),
    ]);
    expect(stableLiveVersion(view)).toBe('v1');
  });

  test.each([
    [
      'a group tagged standby',
      [
        group('blue', 'standby', 'v1', [instance('b1', 'Standby', 'v1')]),
        group('green', 'live', 'v2', [instance('g1', 'InService', 'v2')]),
      ],
      /tagged standby/,
    ],
    [
      'instances in Standby',
      [
        blueLive('v1', [instance('b1', 'InService', 'v1'), instance('b2', 'EnteringStandby', 'v1')]),
        greenIdle(),
      ],
      /in Standby/,
    ],
    [
      'the idle group with desired capacity',
      [blueLive(), greenIdle([], { desiredCapacity: 2 })],
      /desired 2/,
    ],
    [
      'the idle group with instances',
      [blueLive(), greenIdle([instance('g1', 'Pending')])],
      /idle with 1 instance/,
    ],
  ])('%s: mid-release, nothing stable', (_, groups, reason) => {
    const view = service(groups as GroupView[]);
    expect(midReleaseReasons(view)).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    expect(stableLiveVersion(view)).toBeUndefined();
  });

  test('a live group whose InService instances run another version than its tag: nothing stable', () => {
    const view = service([group('blue', 'live', 'v2', [instance('b1', 'InService', 'v1')]), greenIdle()]);
    expect(stableLiveVersion(view)).toBeUndefined();
  });
});

describe('suspendedProcessViolations', () => {
  test('the live group with suspended processes is reported, the idle group is not', () => {
    const live = group('blue', 'live', 'v1', [instance('b1', 'InService', 'v1')], {
      suspendedProcesses: ['Launch', 'AlarmNotification'],
    });
    expect(suspendedProcessViolations(service([live, greenIdle()]))).toEqual([
      'the live group blue has suspended processes: AlarmNotification, Launch',
    ]);
  });

  test('a live group with every process resumed: nothing to report', () => {
    expect(suspendedProcessViolations(service([blueLive(), greenIdle()]))).toEqual([]);
  });
});

describe('capacityViolations', () => {
  test('two healthy instances serving, two required: holds', () => {
    expect(capacityViolations(service([blueLive(), greenIdle()]), 2)).toEqual([]);
  });

  test('one healthy instance, the other not healthy on the target group: violated', () => {
    expect(capacityViolations(service([blueLive(), greenIdle()], ['b1']), 2)).toEqual([
      'the live group blue serves with 1 healthy instance(s), fewer than 2',
    ]);
  });

  test('an instance a fault impaired, and its replacement booting, count as recovering', () => {
    const live = group(
      'blue',
      'live',
      'v1',
      [
        instance('b1', 'InService', 'v1'),
        instance('b2', 'InService', 'v1', { impaired: true }),
        instance('b3', 'Pending', undefined, { launchedAt: 2000 }),
      ],
      { lastInstanceFaultAt: 1000 },
    );
    expect(capacityViolations(service([live, greenIdle()], ['b1', 'b2']), 3)).toEqual([]);
  });

  test('an instance a fault terminated, its replacement not launched yet: recovering', () => {
    const live = group(
      'blue',
      'live',
      'v1',
      [instance('b1', 'InService', 'v1'), instance('b2', 'Terminating', 'v1')],
      {
        lastInstanceFaultAt: 1000,
        desiredCapacity: 2,
      },
    );
    expect(capacityViolations(service([live, greenIdle()], ['b1']), 2)).toEqual([]);
    const noFault = { ...live, lastInstanceFaultAt: undefined };
    expect(capacityViolations(service([noFault, greenIdle()], ['b1']), 2)).toEqual([
      'the live group blue serves with 1 healthy instance(s), fewer than 2',
    ]);
  });

  test('an instance launched before the last fault is no replacement: it must be healthy', () => {
    const live = group(
      'blue',
      'live',
      'v1',
      [instance('b1', 'InService', 'v1'), instance('b3', 'InService', 'v1', { launchedAt: 500 })],
      { lastInstanceFaultAt: 1000 },
    );
    expect(capacityViolations(service([live, greenIdle()], ['b1']), 2)).toHaveLength(1);
  });

  test('no live group at all: violated', () => {
    expect(capacityViolations(service([group('blue', 'idle', 'v1', []), greenIdle()]), 2)).toEqual([
      'no single live group to serve (0 tagged live)',
    ]);
  });
});

describe('outcomeViolations', () => {
  const atRest = service([blueLive('v1'), greenIdle()]);

  test("'released' v1 while v1 serves: true", () => {
    expect(outcomeViolations({ kind: 'released', execution: 'e', version: 'v1' }, atRest)).toEqual([]);
  });

  test("'released' v2 while the live group runs v1: a lie", () => {
    expect(outcomeViolations({ kind: 'released', execution: 'e', version: 'v2' }, atRest)).toEqual([
      'e reports released v2, but the live group blue runs v1',
    ]);
  });

  test("'released' v2 with one InService instance of the live group still on v1: a lie", () => {
    const mixed = service([
      group('blue', 'live', 'v2', [instance('b1', 'InService', 'v2'), instance('b2', 'InService', 'v1')]),
      greenIdle(),
    ]);
    expect(outcomeViolations({ kind: 'released', execution: 'e', version: 'v2' }, mixed)).toEqual([
      'e reports released v2, but the live group blue runs v1, v2',
    ]);
  });

  test("'rolled-back' to the version live before: true", () => {
    const claim = { kind: 'rolled-back' as const, execution: 'r', version: 'v1', restorable: ['v1'] };
    expect(outcomeViolations(claim, atRest)).toEqual([]);
  });

  test("'rolled-back' to the version being rolled back: a lie, even though it serves", () => {
    const onV2 = service([blueLive('v2'), greenIdle()]);
    const claim = { kind: 'rolled-back' as const, execution: 'r', version: 'v2', restorable: ['v1'] };
    expect(outcomeViolations(claim, onV2)).toEqual([
      'r reports rolled-back v2, but the version live before the release it rolls back is v1',
    ]);
  });

  test("'rolled-back' to v1 while v2 serves: a lie", () => {
    const onV2 = service([blueLive('v2'), greenIdle()]);
    const claim = { kind: 'rolled-back' as const, execution: 'r', version: 'v1', restorable: ['v1'] };
    expect(outcomeViolations(claim, onV2)).toEqual([
      'r reports rolled-back v1, but the live group blue runs v2',
    ]);
  });

  test('ReleaseRolledBack while the version it was to release still serves: a lie; once it is gone: true', () => {
    const claim = { kind: 'release-rolled-back' as const, execution: 'e', version: 'v2' };
    const stillV2 = service([
      blueLive('v1', [instance('b1', 'InService', 'v1'), instance('b2', 'InService', 'v2')]),
      greenIdle(),
    ]);
    expect(outcomeViolations(claim, stillV2)).toEqual([
      'e reports release-rolled-back v2, but 1 instance(s) of the live group still run v2',
    ]);
    expect(outcomeViolations(claim, atRest)).toEqual([]);
  });

  test('ReleaseInProgress with no other execution running is a false refusal; with one, it is not', () => {
    expect(
      outcomeViolations({ kind: 'refused-in-progress', execution: 'e', othersRan: false }, atRest),
    ).toEqual(['e was refused as ReleaseInProgress, but no other execution ran while it did']);
    expect(
      outcomeViolations({ kind: 'refused-in-progress', execution: 'e', othersRan: true }, atRest),
    ).toEqual([]);
  });

  test('a rollback refused as InvalidRequest with a release left mid-way, or its lock left: violated; at rest or racing: not', () => {
    const claim = {
      kind: 'rollback-refused' as const,
      execution: 'r',
      midRelease: true,
      lockLeft: false,
      racing: false,
    };
    expect(outcomeViolations(claim, atRest)).toEqual([
      'r, a rollback, was refused as InvalidRequest with a release left mid-way to roll back',
    ]);
    expect(outcomeViolations({ ...claim, midRelease: false, lockLeft: true }, atRest)).toEqual([
      'r, a rollback, was refused as InvalidRequest with the lock a stopped execution left to roll back',
    ]);
    expect(outcomeViolations({ ...claim, midRelease: false }, atRest)).toEqual([]);
    expect(outcomeViolations({ ...claim, racing: true }, atRest)).toEqual([]);
  });
});

describe('restorableVersions: the version live before the release being rolled back', () => {
  const context = (extra: Partial<RollbackContext>): RollbackContext => ({
    stableVersions: ['v1', 'v2'],
    midRelease: false,
    racing: false,
    afterAnotherRollback: false,
    ...extra,
  });

  test('at rest on v2: rolls back the release of v2, so v1', () => {
    expect(restorableVersions(context({}))).toEqual(['v1']);
  });

  test('mid-release (of v3): the last version at rest, v2', () => {
    expect(restorableVersions(context({ midRelease: true }))).toEqual(['v2']);
  });

  test('racing another execution, or mid-way after another rollback: either', () => {
    expect(restorableVersions(context({ racing: true }))).toEqual(['v2', 'v1']);
    expect(restorableVersions(context({ midRelease: true, afterAnotherRollback: true }))).toEqual([
      'v2',
      'v1',
    ]);
  });

  test('at rest, the lock left by a stopped execution (it did all of its release, or nothing): either', () => {
    expect(restorableVersions(context({ lockLeft: true }))).toEqual(['v2', 'v1']);
    expect(restorableVersions(context({ lockLeft: true, midRelease: true }))).toEqual(['v2']);
  });

  test('joining a running rollback: what that one may restore', () => {
    expect(restorableVersions(context({ racing: true, joined: ['v1'] }))).toEqual(['v1']);
  });

  test('nothing was ever at rest: nothing to restore', () => {
    expect(restorableVersions(context({ stableVersions: [] }))).toEqual([]);
  });
});

describe('settledViolations', () => {
  test('a Pending instance that has not booted yet does not count as running another version', () => {
    const view = service([
      blueLive('v1', [instance('b1', 'InService', 'v1'), instance('b3', 'Pending')]),
      greenIdle(),
    ]);
    expect(settledViolations(view, 2)).toEqual([]);
  });

  test('an InService instance running another version than the tag is reported', () => {
    const view = service([
      blueLive('v1', [instance('b1', 'InService', 'v1'), instance('b2', 'InService', 'v0')]),
      greenIdle(),
    ]);
    expect(settledViolations(view, 2)).toEqual(['blue runs v1, v0 but is tagged v1']);
  });
});

describe('settledScope: which invariants hold once nothing runs', () => {
  test('the last execution succeeded: every settled invariant, about it', () => {
    expect(settledScope([{ status: 'SUCCEEDED' }, { status: 'SUCCEEDED' }])).toEqual({
      kind: 'full',
      subject: 1,
    });
  });

  test('the last one was stopped: only what always holds', () => {
    expect(settledScope([{ status: 'SUCCEEDED' }, { status: 'ABORTED' }])).toEqual({ kind: 'always' });
  });

  test('a refusal changed nothing: the service is as the execution before it left it', () => {
    const executions = [{ status: 'SUCCEEDED' }, { status: 'FAILED', error: 'ReleaseInProgress' }];
    expect(settledScope(executions)).toEqual({ kind: 'full', subject: 0 });
    expect(settledScope([{ status: 'ABORTED' }, { status: 'FAILED', error: 'InvalidRequest' }])).toEqual({
      kind: 'always',
    });
  });

  test('a failed (rolled back) release ran to the end of its workflow: every settled invariant', () => {
    expect(settledScope([{ status: 'ABORTED' }, { status: 'FAILED', error: 'ReleaseRolledBack' }])).toEqual({
      kind: 'full',
      subject: 1,
    });
  });
});
