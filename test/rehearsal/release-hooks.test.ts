import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenService } from '../../lib/blue-green-service';
import type { ReleaseHookPayload, ReleaseHookPoint } from '../../lib/contract/release-hooks';
import { liveVersion } from '../../lib/rehearsal/invariants';
import type { RehearsalExecution } from '../../lib/rehearsal/executions';
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import type { ReleaseHookHandlers } from '../../lib/rehearsal/release-hook-handlers';
import { groupOf, stubFunction } from './harness';

/**
 * Release hooks in the rehearsal: the synthesized state machine invokes each hook function's
 * handler in-process at its point, and a failing or silent hook rolls the release back (before
 * Finalize) or fails the execution with the release standing (after it).
 */

const ALL_POINTS: readonly ReleaseHookPoint[] = [
  'beforeTraffic',
  'afterTraffic',
  'beforeFinalize',
  'afterFinalize',
];
const FUNCTION_IDS: Record<ReleaseHookPoint, string> = {
  beforeTraffic: 'ExpandMigration',
  afterTraffic: 'SmokeTest',
  beforeFinalize: 'LastCheck',
  afterFinalize: 'ContractMigration',
};

const templates = new Map<string, CfnTemplate>();

/** A service with a hook function at each of `points` (a 15-minute function, `hookTimeout` on the Task). */
function hookedTemplate(points: readonly ReleaseHookPoint[], hookTimeout?: Duration): CfnTemplate {
  const key = `${points.join(',')}:${hookTimeout?.toSeconds() ?? ''}`;
  if (!templates.has(key)) {
    const stack = new Stack(new App(), 'Hooked');
    const hooks = Object.fromEntries(
      points.map((point) => [
        point,
        {
          function: stubFunction(stack, FUNCTION_IDS[point]),
          timeout: hookTimeout,
        },
      ]),
    );
    new BlueGreenService(stack, 'Service', { hooks });
    templates.set(key, Template.fromStack(stack).toJSON() as CfnTemplate);
  }
  return templates.get(key)!;
}

interface Call {
  readonly payload: ReleaseHookPayload;
  /** The new group's InService instances when the hook was called. */
  readonly inService: string[];
  readonly at: number;
}

/** Handlers by hook point that record their calls; `override` replaces some of them. */
function recording(
  points: readonly ReleaseHookPoint[],
  override: Partial<Record<ReleaseHookPoint, (payload: ReleaseHookPayload) => unknown>> = {},
) {
  const calls: Call[] = [];
  let rehearsal: Rehearsal | undefined;
  const hooks: ReleaseHookHandlers = Object.fromEntries(
    points.map((point) => [
      point,
      (payload: ReleaseHookPayload) => {
        const view = rehearsal!.monitor.view();
        const group = view.groups.find((g) => g.name === groupOf(rehearsal!, payload.colour));
        const inService = (group?.instances ?? [])
          .filter((i) => i.lifecycleState === 'InService')
          .map((i) => i.id)
          .sort();
        calls.push({ payload, inService, at: Date.now() });
        return override[point]?.(payload);
      },
    ]),
  );
  return {
    calls,
    hooks,
    attach(r: Rehearsal) {
      rehearsal = r;
      return r;
    },
  };
}

function rehearse(template: CfnTemplate, options: RehearsalOptions): Rehearsal {
  return Rehearsal.fromTemplate(template, options);
}

const live = (r: Rehearsal) => liveVersion(r.monitor.view());
const dropped = (r: Rehearsal) => r.monitor.traffic.reduce((sum, s) => sum + s.dropped, 0);
const servedBy = (r: Rehearsal, version: string) =>
  r.monitor.traffic.reduce((sum, s) => sum + (s.servedByVersion[version] ?? 0), 0);

describe('release hooks in the rehearsal', () => {
  test('all four hooks run once each, in order, with the release in their payload; a first release runs only beforeTraffic and afterFinalize', async () => {
    const rec = recording(ALL_POINTS);
    const r = rec.attach(rehearse(hookedTemplate(ALL_POINTS), { hooks: rec.hooks }));

    const first = await r.execute({ version: 'v1' });
    expect(first.status).toBe('SUCCEEDED');
    expect(rec.calls.map((c) => c.payload.hook)).toEqual(['beforeTraffic', 'afterFinalize']);
    expect(rec.calls[0].payload).toMatchObject({
      version: 'v1',
      previousVersion: '',
      executionArn: first.arn,
    });

    rec.calls.length = 0;
    const second = await r.execute({ version: 'v2' });
    expect(second.status).toBe('SUCCEEDED');
    expect(rec.calls.map((c) => c.payload.hook)).toEqual([...ALL_POINTS]);
    const colour = second.output.summary.liveColour;
    for (const { payload, inService } of rec.calls) {
      expect(payload).toEqual({
        hook: payload.hook,
        service: r.service.serviceTag,
        version: 'v2',
        previousVersion: 'v1',
        colour,
        executionArn: second.arn,
        instances: payload.instances,
      });
      // The new group's instances, as they were InService when the hook ran.
      expect([...payload.instances].sort()).toEqual(inService);
      expect(inService).toHaveLength(2);
    }
    expect([...rec.calls[3].payload.instances].sort()).toEqual([...second.output.summary.instanceIds].sort());
    // In the order of the release: health, hook, swap, hook, bake, hook, finalize, hook.
    const entered = (state: string) =>
      second.events.find((e) => e.type === 'StateEntered' && e.state === state)!.time;
    const at = rec.calls.map((c) => c.at);
    expect(entered('CheckHealth')).toBeLessThanOrEqual(at[0]);
    expect(at[0]).toBeLessThanOrEqual(entered('Swap'));
    expect(entered('Swap')).toBeLessThanOrEqual(at[1]);
    expect(at[1]).toBeLessThanOrEqual(entered('Bake'));
    expect(at[2]).toBeGreaterThanOrEqual(entered('Bake') + 60_000);
    expect(at[2]).toBeLessThanOrEqual(entered('Finalize'));
    expect(at[3]).toBeGreaterThanOrEqual(entered('Finalize'));
    expect(live(r)).toBe('v2');
    expect(r.violations()).toEqual([]);
  });

  test('a beforeTraffic hook that throws rolls the release back: the reason names the hook, nothing dropped, the old version live', async () => {
    const rec = recording(['beforeTraffic'], {
      beforeTraffic: (payload) => {
        if (payload.version === 'v2') throw new Error('column users.email_address is locked');
      },
    });
    const r = rec.attach(rehearse(hookedTemplate(['beforeTraffic']), { hooks: rec.hooks }));
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toMatch(/beforeTraffic hook/);
    expect(release.cause).toMatch(/column users\.email_address is locked/);
    expect(release.events.some((e) => e.state === 'Swap')).toBe(false);
    expect(rec.calls.map((c) => c.payload.version)).toEqual(['v1', 'v2']);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a hook that never answers times out on the virtual clock and rolls the release back', async () => {
    const rec = recording(['afterTraffic'], {
      afterTraffic: () => new Promise(() => undefined),
    });
    const template = hookedTemplate(['afterTraffic'], Duration.seconds(30));
    const r = rec.attach(rehearse(template, { hooks: rec.hooks }));
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toMatch(/afterTraffic hook timed out: no answer within 30 s/);
    const hookEntered = release.events.find((e) => e.state === 'AfterTrafficHook')!.time;
    const rollbackEntered = release.events.find((e) => e.state === 'Rollback')!.time;
    expect(rollbackEntered - hookEntered).toBeGreaterThanOrEqual(30_000);
    expect(rollbackEntered - hookEntered).toBeLessThan(32_000);
    expect(release.events.some((e) => e.state === 'Bake')).toBe(false);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
    await r.runUntilIdle();
    expect(r.violations()).toEqual([]);
  });

  test('a beforeFinalize hook that throws after the bake brings the warm old fleet back from Standby', async () => {
    const rec = recording(['beforeFinalize'], {
      beforeFinalize: (payload) => {
        if (payload.version === 'v2') throw new TypeError('checkout smoke test: 502');
      },
    });
    const r = rec.attach(rehearse(hookedTemplate(['beforeFinalize']), { hooks: rec.hooks }));
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    // A first release has no bake: the hook is not called.
    expect(rec.calls).toEqual([]);
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toBe('step failed: TypeError in the beforeFinalize hook: checkout smoke test: 502');
    expect(release.events.some((e) => e.state === 'Finalize')).toBe(false);
    expect(r.region.calls.get('AutoScaling', 'ExitStandby').count).toBeGreaterThan(0);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a hook function whose own timeout is shorter than the hook timeout is stopped by Lambda first', async () => {
    const stack = new Stack(new App(), 'ShortFunction');
    const fn = stubFunction(stack, 'Migrations', Duration.seconds(20));
    new BlueGreenService(stack, 'Service', { hooks: { beforeTraffic: { function: fn } } });
    const r = Rehearsal.fromStack(stack, {
      hooks: {
        beforeTraffic: (p: ReleaseHookPayload) => (p.version === 'v2' ? new Promise(() => undefined) : 0),
      },
    });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toBe(
      'step failed: Sandbox.Timedout in the beforeTraffic hook: Task timed out after 20.00 seconds',
    );
    const hookEntered = release.events.find((e) => e.state === 'BeforeTrafficHook')!.time;
    const rollbackEntered = release.events.find((e) => e.state === 'Rollback')!.time;
    expect(rollbackEntered - hookEntered).toBeGreaterThanOrEqual(20_000);
    expect(rollbackEntered - hookEntered).toBeLessThan(300_000);
    expect(live(r)).toBe('v1');
    expect(r.violations()).toEqual([]);
  });

  test('an afterFinalize hook that throws fails the execution loudly; the new version stays released, the lock free', async () => {
    const rec = recording(['afterFinalize'], {
      afterFinalize: (payload) => {
        if (payload.version === 'v2') throw new Error('could not drop column email');
      },
    });
    const r = rec.attach(rehearse(hookedTemplate(['afterFinalize']), { hooks: rec.hooks }));
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('AfterFinalizeHookFailed');
    expect(release.cause).toMatch(
      /the afterFinalize hook failed with Error: could not drop column email; v2 is released/,
    );
    expect(live(r)).toBe('v2');
    expect(r.monitor.view().lockHeld).toBe(false);
    expect(servedBy(r, 'v2')).toBeGreaterThan(0);
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
    // The next release goes ahead: nothing was left behind.
    expect((await r.execute({ version: 'v3' })).status).toBe('SUCCEEDED');
    expect(live(r)).toBe('v3');
  });

  test('the afterFinalize hook runs under the release lock: a release started meanwhile is refused, the lock is free once it answered', async () => {
    let r: Rehearsal | undefined = undefined;
    const during: Array<{ lockHeld: boolean; refused?: RehearsalExecution }> = [];
    const rec = recording(['afterFinalize'], {
      afterFinalize: async (payload) => {
        if (payload.version !== 'v2') return;
        const next = r!.start({ version: 'v3' }, 'started-during-the-hook');
        // A contract migration that takes a minute.
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        during.push({ lockHeld: r!.monitor.view().lockHeld, refused: next });
      },
    });
    r = rec.attach(rehearse(hookedTemplate(['afterFinalize']), { hooks: rec.hooks }));
    await r.execute({ version: 'v1' });
    const release = await r.execute({ version: 'v2' });
    await r.runUntilIdle();

    expect(release.status).toBe('SUCCEEDED');
    expect(during).toHaveLength(1);
    expect(during[0].lockHeld).toBe(true);
    expect(during[0].refused).toMatchObject({ status: 'FAILED', error: 'ReleaseInProgress' });
    const entered = release.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered.slice(-4)).toEqual(['ReleaseLockDue', 'ReleaseLock', 'AfterReleaseLock', 'Released']);
    expect(r.monitor.view().lockHeld).toBe(false);
    expect(live(r)).toBe('v2');
    expect(r.violations()).toEqual([]);
  });

  test('a rollback request calls no hook', async () => {
    const rec = recording(ALL_POINTS);
    const r = rec.attach(rehearse(hookedTemplate(ALL_POINTS), { hooks: rec.hooks }));
    await r.execute({ version: 'v1' });
    await r.execute({ version: 'v2' });
    rec.calls.length = 0;
    const rollback = await r.execute({ action: 'rollback' });
    expect(rollback.status).toBe('SUCCEEDED');
    expect(live(r)).toBe('v1');
    // It re-released v1 through the hook points, and passed each by.
    const entered = rollback.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered).toEqual(expect.arrayContaining(['BeforeTrafficHookDue', 'AfterFinalizeHookDue']));
    expect(rec.calls).toEqual([]);
    expect(r.violations()).toEqual([]);
  });

  test('Rehearsal.fromStack takes the handlers too; an invocation takes the Lambda latency before the handler runs', async () => {
    const stack = new Stack(new App(), 'FromStack');
    const fn = new lambda.Function(stack, 'Migrations', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
    });
    new BlueGreenService(stack, 'Service', { hooks: { beforeTraffic: { function: fn } } });
    expect(() => Rehearsal.fromStack(stack)).toThrow(
      /the beforeTraffic hook function Migrations\w+ has no handler/,
    );

    const calledAt: number[] = [];
    const r = Rehearsal.fromStack(stack, {
      invokeLatencyMs: 1500,
      hooks: {
        [stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)]: () => calledAt.push(Date.now()),
      },
    });
    const release = await r.execute({ version: 'v1' });
    expect(release.status).toBe('SUCCEEDED');
    const entered = release.events.find(
      (e) => e.type === 'StateEntered' && e.state === 'BeforeTrafficHook',
    )!.time;
    expect(calledAt).toEqual([entered + 1500]);
  });

  test('a hook function without a handler is refused at the start, by name; so is a handler that names no hook', () => {
    const template = hookedTemplate(['beforeTraffic', 'afterFinalize']);
    expect(() => Rehearsal.fromTemplate(template, { hooks: { afterFinalize: () => undefined } })).toThrow(
      /the beforeTraffic hook function ExpandMigration[0-9A-F]{8} has no handler/,
    );
    expect(() =>
      Rehearsal.fromTemplate(template, {
        hooks: { beforeTraffic: () => undefined, afterFinalize: () => undefined, Migrate: () => undefined },
      }),
    ).toThrow(/hooks "Migrate" name\(s\) no release hook function/);
    // By logical id, or by construct path (`aws:cdk:path`, as `cdk synth` writes it), as well as by hook point.
    const withPaths = structuredClone(template);
    const functionId = (prefix: string) =>
      Object.keys(withPaths.Resources).find(
        (id) => id.startsWith(prefix) && withPaths.Resources[id].Type === 'AWS::Lambda::Function',
      )!;
    (withPaths.Resources[functionId('ExpandMigration')] as { Metadata?: object }).Metadata = {
      'aws:cdk:path': 'Hooked/ExpandMigration/Resource',
    };
    expect(() =>
      Rehearsal.fromTemplate(withPaths, {
        hooks: {
          'Hooked/ExpandMigration': () => undefined,
          [functionId('ContractMigration')]: () => undefined,
        },
      }),
    ).not.toThrow();
  });
});
