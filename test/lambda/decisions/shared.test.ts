/**
 * Decisions several steps take alike (lambda/shared/decisions.ts) and the fleet health they count
 * with (lib/contract/fleet-health.ts), pure: no mocks, snapshot data in, decisions out.
 */
import { activeInstances, isLeaving } from '../../../lib/contract/fleet-health';
import {
  chooseRestoreGroup,
  plannedVersionVisible,
  recordTiming,
  rollbackGoal,
} from '../../../lambda/shared/decisions';
import { basePlan, groupView, inService, OTHER, snapshotOf, type GroupSpec } from '../fixtures';

describe('isLeaving', () => {
  it.each(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated', 'Detaching', 'Detached'])(
    '%s is leaving',
    (state) => expect(isLeaving(state)).toBe(true),
  );
  it.each(['InService', 'Pending', 'Pending:Wait', 'Pending:Proceed', 'Standby', 'EnteringStandby'])(
    '%s is not leaving',
    (state) => expect(isLeaving(state)).toBe(false),
  );
});

describe('rollbackGoal', () => {
  it('GIVEN nothing superseded THEN no goal (the live group’s previous version is the target)', () => {
    expect(rollbackGoal(undefined)).toBeUndefined();
  });
  it('GIVEN a superseded release THEN the version live before it', () => {
    expect(rollbackGoal({ owner: OTHER, action: 'release', version: 'v2', fromVersion: 'v1' })).toBe('v1');
  });
  it('GIVEN a superseded rollback THEN the version it was restoring', () => {
    expect(rollbackGoal({ owner: OTHER, action: 'rollback', version: 'v1', fromVersion: 'v2' })).toBe('v1');
  });
});

describe('plannedVersionVisible', () => {
  const plan = basePlan({ version: 'v2.0.0' });
  const TAGGED = 1_700_000_000_000;
  const settled = { readAt: TAGGED + 10_000, taggedAt: TAGGED, settleMs: 10_000 };
  it('GIVEN the group carries the planned version THEN true', () => {
    expect(plannedVersionVisible(plan, groupView('green', { version: 'v2.0.0' }), settled)).toBe(true);
  });
  it('GIVEN a settled read with another version tag, or none THEN VersionChanged naming both', () => {
    expect(() => plannedVersionVisible(plan, groupView('green', { version: 'v3.0.0' }), settled)).toThrow(
      expect.objectContaining({
        name: 'VersionChanged',
        message: 'green (shop-green) is tagged bluegreen:version="v3.0.0", not the planned v2.0.0',
      }),
    );
    expect(() => plannedVersionVisible(plan, groupView('green', {}), settled)).toThrow(
      expect.objectContaining({ name: 'VersionChanged' }),
    );
  });
  it('GIVEN a read started within the settle window of the tag write THEN false: it may lag the write', () => {
    const early = { ...settled, readAt: TAGGED + 9_999 };
    expect(plannedVersionVisible(plan, groupView('green', { version: 'v1.0.0' }), early)).toBe(false);
    expect(plannedVersionVisible(plan, groupView('green', {}), early)).toBe(false);
  });
  it('GIVEN no recorded tag write THEN any mismatch is VersionChanged', () => {
    expect(() =>
      plannedVersionVisible(plan, groupView('green', { version: 'v1.0.0' }), {
        readAt: TAGGED,
        settleMs: 10_000,
      }),
    ).toThrow(expect.objectContaining({ name: 'VersionChanged' }));
  });
});

describe('chooseRestoreGroup', () => {
  const liveGreen: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('g', 3) };

  it('GIVEN a standby group whose instances are all gone but whose version tag is valid THEN it is still restored (relaunched)', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', instances: [['i-b1', 'Terminated']] };
    expect(chooseRestoreGroup(snapshotOf(blue, liveGreen))).toBe('blue');
  });

  it('GIVEN an empty standby group without a valid version tag THEN the live group is kept', () => {
    expect(chooseRestoreGroup(snapshotOf({ role: 'standby' }, liveGreen))).toBe('green');
    expect(chooseRestoreGroup(snapshotOf({ role: 'standby', version: '../x' }, liveGreen))).toBe('green');
  });

  it('GIVEN a standby group with instances THEN it is restored whatever its tag', () => {
    const blue: GroupSpec = { role: 'standby', instances: [['i-b1', 'Standby']] };
    expect(chooseRestoreGroup(snapshotOf(blue, liveGreen))).toBe('blue');
  });
});

describe('state and instance bookkeeping', () => {
  it('keeps the first time a step completed', () => {
    expect(recordTiming({ prepared: 1 }, 'prepared', 5)).toEqual({ prepared: 1 });
    expect(recordTiming(undefined, 'swapped', 5)).toEqual({ swapped: 5 });
  });
  it('counts only non-leaving instances', () => {
    expect(
      activeInstances(
        groupView('blue', {
          instances: [
            ['i-1', 'Terminated'],
            ['i-2', 'Standby'],
          ],
        }),
      ),
    ).toHaveLength(1);
  });
});
