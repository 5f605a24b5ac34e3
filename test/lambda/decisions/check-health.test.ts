/** CheckHealth's decisions, pure: no mocks, snapshot data in, decisions out. */
import { decideHealth, decideValidationFailure, heldToAdmit } from '../../../lambda/check-health/decisions';
import type { ValidationPassRecord } from '../../../lib/contract/instance-validation';
import { allHealthy, basePlan, groupView, inService } from '../fixtures';

describe('decideHealth', () => {
  const plan = basePlan({ capacity: 3, healthDeadline: 10_000 });
  it('swaps when the planned capacity is InService and healthy', () => {
    const group = groupView('green', { instances: inService('g', 3) });
    expect(decideHealth(plan, group, allHealthy({ instances: inService('g', 3) }), 0)).toEqual({
      next: 'swap',
      progress: { healthy: 3, wanted: 3, lifecycle: { InService: 3 } },
    });
  });
  it('waits while an instance is not healthy yet', () => {
    const instances = inService('g', 3);
    const group = groupView('green', { instances });
    const health = { ...allHealthy({ instances }), [instances[2][0]]: 'initial' as const };
    expect(decideHealth(plan, group, health, 9_999)).toMatchObject({
      next: 'waitForHealth',
      progress: { healthy: 2 },
    });
  });
  it('rolls back automatically at the deadline', () => {
    const instances: Array<[string, string]> = [
      ['i-g1', 'InService'],
      ['i-g2', 'Pending'],
      ['i-g3', 'Pending'],
    ];
    const decision = decideHealth(plan, groupView('green', { instances }), { 'i-g1': 'healthy' }, 10_000);
    expect(decision).toEqual({
      next: 'rollback',
      progress: { healthy: 1, wanted: 3, lifecycle: { InService: 1, Pending: 2 } },
      rollback: { reason: 'health timeout: 1 of 3 instances healthy after 900 s', automatic: true },
    });
  });
  it('ignores a terminating instance and counts its replacement', () => {
    const instances: Array<[string, string]> = [
      ['i-g1', 'InService'],
      ['i-g2', 'Terminating'],
      ['i-g3', 'InService'],
      ['i-g4', 'InService'],
    ];
    const health = { 'i-g1': 'healthy', 'i-g2': 'draining', 'i-g3': 'healthy', 'i-g4': 'healthy' } as const;
    expect(decideHealth(plan, groupView('green', { instances }), health, 0).next).toBe('swap');
  });
});

describe('decideValidationFailure', () => {
  // Scaled up at 1_000_000 - 900 s.
  const plan = basePlan({ healthDeadline: 1_000_000 });
  const scaledUpAt = 1_000_000 - 900_000;
  const progress = { healthy: 1, wanted: 3, lifecycle: { InService: 1, 'Pending:Wait': 2 } };
  const failure = {
    groupName: plan.targetGroupName,
    instanceId: 'i-0abc',
    version: plan.version,
    check: 'GET /smoke (wanted 200)',
    answer: 'status 500, body "boom"',
    at: scaledUpAt + 30_000,
  };

  it('rolls back, naming instance, version, group, check and answer, on a failure of this version since the scale-up', () => {
    expect(decideValidationFailure(plan, failure, progress)).toEqual({
      next: 'rollback',
      progress,
      rollback: {
        reason: `pre-traffic validation failed on i-0abc (v2.0.0, ${plan.targetGroupName}): GET /smoke (wanted 200): status 500, body "boom"`,
        automatic: true,
      },
    });
  });
  it('ignores a failure recorded before this release scaled up (an earlier release of the same version)', () => {
    expect(decideValidationFailure(plan, { ...failure, at: scaledUpAt - 1 }, progress)).toBeUndefined();
  });
  it('ignores a failure of another version or another group', () => {
    expect(decideValidationFailure(plan, { ...failure, version: 'v1.0.0' }, progress)).toBeUndefined();
    expect(decideValidationFailure(plan, { ...failure, groupName: 'other' }, progress)).toBeUndefined();
  });
  it('decides nothing without a record, or before ScaleUp set the deadline', () => {
    expect(decideValidationFailure(plan, undefined, progress)).toBeUndefined();
    expect(decideValidationFailure(basePlan(), failure, progress)).toBeUndefined();
  });
});

describe('heldToAdmit', () => {
  const plan = basePlan(); // v2.0.0 on green, capacity 3
  const NOW = 2_000_000_000_000;
  const HEARTBEAT_S = 420;
  const pass = (instanceId: string, at = NOW - 10_000, extra: Partial<ValidationPassRecord> = {}) => ({
    groupName: plan.targetGroupName,
    instanceId,
    version: plan.version,
    hookName: 'PreTrafficValidation',
    at,
    ...extra,
  });
  const admit = (instances: Array<[string, string]>, passes: ValidationPassRecord[], now = NOW) =>
    heldToAdmit({
      plan,
      target: groupView('green', { version: plan.version, desired: 3, instances }),
      passes: new Map(passes.map((p) => [p.instanceId, p])),
      now,
      heartbeatTimeoutSeconds: HEARTBEAT_S,
    }).map((p) => p.instanceId);

  it('GIVEN the whole planned fleet validated and held THEN all are let in together', () => {
    const held: Array<[string, string]> = [
      ['i-1', 'Pending:Wait'],
      ['i-2', 'Pending:Wait'],
      ['i-3', 'Pending:Wait'],
    ];
    expect(admit(held, [pass('i-1'), pass('i-2'), pass('i-3')])).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('GIVEN one instance still booting (or held without a pass) THEN the validated ones wait for it', () => {
    const instances: Array<[string, string]> = [
      ['i-1', 'Pending:Wait'],
      ['i-2', 'Pending:Wait'],
      ['i-3', 'Pending'],
    ];
    expect(admit(instances, [pass('i-1'), pass('i-2')])).toEqual([]);
    const unvalidated: Array<[string, string]> = [...instances.slice(0, 2), ['i-3', 'Pending:Wait']];
    expect(admit(unvalidated, [pass('i-1'), pass('i-2')])).toEqual([]);
  });

  it('GIVEN InService instances (a replacement after the rest were let in) THEN they count towards the fleet', () => {
    expect(
      admit(
        [
          ['i-1', 'InService'],
          ['i-2', 'InService'],
          ['i-4', 'Pending:Wait'],
        ],
        [pass('i-4')],
      ),
    ).toEqual(['i-4']);
  });

  it('GIVEN a pass held for half the heartbeat timeout THEN the validated are let in before the hook can time out', () => {
    const instances: Array<[string, string]> = [
      ['i-1', 'Pending:Wait'],
      ['i-2', 'Pending'],
      ['i-3', 'Pending'],
    ];
    const justBefore = NOW - (HEARTBEAT_S * 1000) / 2 + 1;
    expect(admit(instances, [pass('i-1', justBefore)])).toEqual([]);
    expect(admit(instances, [pass('i-1', justBefore - 1)])).toEqual(['i-1']);
  });

  it('GIVEN the canary phase THEN the held canary instances are let in once they make the canary', () => {
    const canaryPlan = basePlan({ canary: { instances: 1, durationSeconds: 300 } });
    const target = groupView('green', {
      version: canaryPlan.version,
      desired: 1,
      instances: [['i-1', 'Pending:Wait']],
    });
    const passes = new Map([['i-1', pass('i-1')]]);
    const admitted = (phase?: 'canary' | 'full') =>
      heldToAdmit({
        plan: canaryPlan,
        phase,
        target,
        passes,
        now: NOW,
        heartbeatTimeoutSeconds: HEARTBEAT_S,
      });
    expect(admitted('canary').map((p) => p.instanceId)).toEqual(['i-1']);
    // The full phase wants the whole planned capacity.
    expect(admitted('full')).toEqual([]);
  });

  it('GIVEN a pass of another version or group (an earlier release) THEN it counts for nothing', () => {
    const held: Array<[string, string]> = [
      ['i-1', 'Pending:Wait'],
      ['i-2', 'Pending:Wait'],
      ['i-3', 'Pending:Wait'],
    ];
    const passes = [pass('i-1'), pass('i-2'), pass('i-3', NOW, { version: 'v1.0.0' })];
    expect(admit(held, passes)).toEqual([]);
    expect(admit(held, [pass('i-1'), pass('i-2'), pass('i-3', NOW, { groupName: 'other' })])).toEqual([]);
  });
});
