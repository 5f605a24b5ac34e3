import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenService, type BlueGreenServiceProps } from '../../lib/blue-green-service';
import { VALIDATION_ENV, type UserValidatorPayload } from '../../lib/contract/instance-validation';
import type { ReleaseHookPayload } from '../../lib/contract/release-hooks';
import { CANARY_WATCH_STATE_NAME } from '../../lib/contract/canary';
import { loadStepHandler, type StepHandler } from '../../lib/rehearsal/executions';
import { liveVersion } from '../../lib/rehearsal/invariants';
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { groupOf, stubFunction } from './harness';

/**
 * Pre-traffic validation in the rehearsal: the launch lifecycle actions reach the built validator
 * bundle as EventBridge would deliver them, its direct requests go through the built probe bundle
 * (invoked as Lambda would) and are answered by the simulated instances, and the release workflow
 * reads what it records.
 */

const templates = new Map<string, CfnTemplate>();

const VALIDATION = { timeout: Duration.seconds(120), checks: [{ path: '/smoke' }] };

/** A service validating its launches; `userValidator` adds a user function (logical id `UserValidator`). */
function validatedTemplate(props: BlueGreenServiceProps = {}, userValidator = false): CfnTemplate {
  const key = `${JSON.stringify(props, (_, v) => (v instanceof Duration ? v.toSeconds() : v))}:${userValidator}`;
  if (!templates.has(key)) {
    const stack = new Stack(new App(), 'Validated');
    const fn = userValidator
      ? new lambda.Function(stack, 'UserValidator', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
        })
      : undefined;
    new BlueGreenService(stack, 'Service', {
      validation: { ...VALIDATION, ...(fn ? { function: fn } : {}) },
      ...props,
    });
    templates.set(key, Template.fromStack(stack).toJSON() as CfnTemplate);
  }
  return templates.get(key)!;
}

const live = (r: Rehearsal) => liveVersion(r.monitor.view());
const dropped = (r: Rehearsal) => r.monitor.traffic.reduce((sum, s) => sum + s.dropped, 0);
const servedBy = (r: Rehearsal, version: string) =>
  r.monitor.traffic.reduce((sum, s) => sum + (s.servedByVersion[version] ?? 0), 0);

function rehearse(options: RehearsalOptions = {}, props?: BlueGreenServiceProps): Rehearsal {
  return Rehearsal.fromTemplate(validatedTemplate(props, options.validationFunction !== undefined), options);
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The real handlers, the probe's wrapped by `probe` (given the request and the real probe): how a
 * test watches, breaks or stalls the probe the validator invokes.
 */
function withProbe(
  probe: (request: Json, real: StepHandler) => Promise<Json>,
): RehearsalOptions['loadHandler'] {
  return (name) => {
    const real = loadStepHandler(name);
    return name === 'probe-instance' ? (request) => probe(request, real) : real;
  };
}

/** The logical id of the template's probe function (its `bluegreen:handler` metadata). */
function probeLogicalId(template: CfnTemplate): string {
  return Object.entries(template.Resources).find(
    ([, resource]) => resource.Metadata?.['bluegreen:handler'] === 'probe-instance',
  )![0];
}

/** Instances of the group in a lifecycle state. */
function inState(r: Rehearsal, colour: string, state: string): string[] {
  const group = r.monitor.view().groups.find((g) => g.name === groupOf(r, colour));
  return (group?.instances ?? []).filter((i) => i.lifecycleState === state).map((i) => i.id);
}

describe('pre-traffic validation in the rehearsal', () => {
  test('(a) v1 then v2, validated: every new instance is checked and continued before any user request, 0 dropped', async () => {
    const r = rehearse();

    const first = await r.execute({ version: 'v1' });
    expect(first.status).toBe('SUCCEEDED');
    const second = await r.execute({ version: 'v2' });
    expect(second.status).toBe('SUCCEEDED');

    expect(live(r)).toBe('v2');
    expect(dropped(r)).toBe(0);
    expect(servedBy(r, 'v2')).toBeGreaterThan(0);
    // The traffic evidence: no instance took a user request before a CONTINUE from the validator.
    expect(r.region.unvalidatedServing()).toEqual([]);
    expect(r.violations()).toEqual([]);
    const invocations = r.validation!.invocations;
    // Two instances per release (minCapacity 2), each validated once and held for its release.
    const held = invocations.filter((i) => i.output?.result === 'HELD');
    expect(held).toHaveLength(4);
    expect(invocations.filter((i) => i.output?.result === 'CONTINUE')).toEqual([]);
    expect(invocations.filter((i) => i.error !== undefined)).toEqual([]);
    expect(new Set(held.map((i) => i.groupName))).toEqual(new Set([groupOf(r, 'blue'), groupOf(r, 'green')]));
    // CheckHealth let each release's fleet in together (one pass completed both actions), and
    // only once the later of the two had passed its validation.
    for (const release of [held.slice(0, 2), held.slice(2)]) {
      const ids = new Set(release.map((i) => i.instanceId));
      const times = r.region.timeline
        .events()
        .filter((e) => ids.has(e.instanceId) && e.milestone === 'proceeding')
        .map((e) => e.time);
      expect(times).toHaveLength(2);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(500);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(
        Math.max(...release.map((i) => i.endedAt ?? Infinity)),
      );
    }
  });

  test('(a) under the harsh profile (throttling, ambiguous failures, slow boots): validated, 0 dropped, nothing served unvalidated', async () => {
    const r = rehearse({ profile: 'harsh', seed: 7 }, { validation: { checks: [{ path: '/smoke' }] } });

    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });

    expect([release.status, release.cause]).toEqual(['SUCCEEDED', undefined]);
    expect(live(r)).toBe('v2');
    expect(dropped(r)).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
    expect(r.violations()).toEqual([]);
    expect(r.validation!.invocations.filter((i) => i.output?.result === 'ABANDON')).toEqual([]);
  });

  test('with a canary: the canary instance is validated and let in, then the full fleet; 0 dropped, nothing served unvalidated', async () => {
    const r = rehearse(
      {},
      { validation: VALIDATION, canary: { instances: 1, duration: Duration.minutes(2) } },
    );

    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const release = await r.execute({ version: 'v2' });

    expect([release.status, release.cause]).toEqual(['SUCCEEDED', undefined]);
    expect(release.events.some((e) => e.type === 'StateEntered' && e.state === CANARY_WATCH_STATE_NAME)).toBe(
      true,
    );
    expect(live(r)).toBe('v2');
    expect(dropped(r)).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
    expect(r.violations()).toEqual([]);
  });

  test("the validator's direct requests are the probe's: one invocation of the probe bundle each, at the instance's private address", async () => {
    const requests: Json[] = [];
    const r = rehearse({
      loadHandler: withProbe((request, real) => {
        requests.push(request);
        return real(request);
      }),
    });
    const [rule] = r.service.lifecycleActionRules!;
    const probeId = probeLogicalId(validatedTemplate());
    expect(rule.environment[VALIDATION_ENV.probeFunctionName]).toBe(probeId);
    expect(rule.probe).toEqual({
      functionLogicalId: probeId,
      functionName: probeId,
      handler: 'probe-instance',
      timeoutSeconds: 70,
    });

    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');

    const port = r.service.targetGroups[0].port;
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const request of requests) {
      expect(request).toEqual({
        address: expect.stringMatching(/^10\.0\.\d+\.\d+$/),
        port,
        path: expect.stringMatching(/^\/(health|smoke)$/),
        timeoutMs: expect.any(Number),
      });
    }
    // Each instance's smoke check was made once, after its health path answered.
    expect(requests.filter((q) => q.path === '/smoke')).toHaveLength(2);
    expect(r.violations()).toEqual([]);
  });

  test.each([
    [
      'throws',
      () => Promise.reject(new Error('boom')),
      /request failed: the probe function \w+ failed: Error: boom$/,
    ],
    [
      'never answers (Lambda stops it at its timeout)',
      () => new Promise<Json>(() => undefined),
      /request failed: the probe function \w+ failed: Sandbox\.Timedout: Task timed out after 70\.00 seconds$/,
    ],
  ])(
    'a probe that %s on the smoke check: the check fails with the failure naming the probe, the release rolls back, v1 serves',
    async (_, fault, reason) => {
      let broken = false;
      const r = rehearse({
        loadHandler: withProbe((request, real) =>
          broken && request.path === '/smoke' ? fault() : real(request),
        ),
      });
      expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
      broken = true;

      const release = await r.execute({ version: 'v2' });

      expect([release.status, release.error]).toEqual(['FAILED', 'ReleaseRolledBack']);
      expect(release.cause).toMatch(/: GET \/smoke \(wanted 200\): /);
      expect(release.cause).toMatch(reason);
      expect(live(r)).toBe('v1');
      expect(dropped(r)).toBe(0);
      expect(r.region.unvalidatedServing()).toEqual([]);
      expect(r.violations()).toEqual([]);
    },
  );

  test("a template whose validator names a function that is not the library's probe is refused", () => {
    const template: CfnTemplate = structuredClone(validatedTemplate());
    const probeId = probeLogicalId(template);
    delete template.Resources[probeId].Metadata!['bluegreen:handler'];

    expect(() => Rehearsal.fromTemplate(template)).toThrow(
      new RegExp(
        `its validator \\w+ names PROBE_FUNCTION_NAME "${probeId}", which is not the library's probe function`,
      ),
    );
  });

  test('a second delivery of an event already acted on completes nothing and records nothing', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const [first] = r.validation!.invocations;
    const validator = loadStepHandler('validate-instance');

    const before = r.region.scanTable(r.service.tables[0].name);
    const again = await r.perform(() => validator(structuredClone(first.event)));

    // The release is over: no hold; the action was completed long ago.
    expect(again).toEqual({ instanceId: first.instanceId, result: 'CONTINUE', skipped: 'already completed' });
    expect(r.region.scanTable(r.service.tables[0].name)).toEqual(before);
    expect(inState(r, 'blue', 'InService')).toContain(first.instanceId);
  });

  test('(b) a smoke check the new version answers badly: the release rolls back naming instance, check and answer; v1 serves, 0 dropped', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const bad = r.region.instanceChecks.answerBadly({
      version: 'v2',
      path: '/smoke',
      status: 500,
      body: 'db down',
    });

    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toMatch(
      /^pre-traffic validation failed on i-[0-9a-f]+ \(v2, \S+GreenGroup\S+\): GET \/smoke \(wanted 200\): status 500, body "db down"$/,
    );
    expect(bad.answered).toBeGreaterThan(0);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(servedBy(r, 'v2')).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
    expect(r.violations()).toEqual([]);
    // The failing instance was abandoned (terminated), and the record names it.
    const [failure] = r.region
      .scanTable(r.service.tables[0].name)
      .filter((item) => String(item.pk?.S ?? '').startsWith('validation-failure#'));
    expect(failure).toBeDefined();
    expect(r.validation!.invocations.some((i) => i.output?.result === 'ABANDON')).toBe(true);
  });

  test('(c) the live group scaling out outside a release: the new instance is validated, continued, and never stays in Pending:Wait', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const before = r.validation!.invocations.length;

    expect(r.region.faults.scaleOut(groupOf(r, 'blue'), 1)).toBe(true);
    await r.advance(300);

    expect(inState(r, 'blue', 'InService')).toHaveLength(3);
    expect(inState(r, 'blue', 'Pending:Wait')).toEqual([]);
    const later = r.validation!.invocations.slice(before);
    expect(later.map((i) => i.output?.result)).toEqual(['CONTINUE']);
    expect(r.validation!.pending).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
    expect(dropped(r)).toBe(0);
  });

  test('(d) a validator that never answers: the hooks time out with ABANDON, the release rolls back at its health timeout, v1 serves', async () => {
    const r = rehearse({}, { healthTimeout: Duration.minutes(5) });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const before = r.validation!.invocations.length;
    const broken = r.validation!.failInvocations();

    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.error).toBe('ReleaseRolledBack');
    expect(release.cause).toMatch(/^health timeout: 0 of 2 instances healthy after 300 s/);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
    expect(servedBy(r, 'v2')).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
    // Each delivery was tried three times (Lambda's asynchronous retries), then the hook's default applied.
    const failed = r.validation!.invocations.slice(before);
    expect(failed.length).toBeGreaterThanOrEqual(6);
    expect(failed.filter((i) => !i.error?.startsWith('Runtime.ExitError'))).toEqual([]);
    expect(Math.max(...failed.map((i) => i.attempt))).toBe(3);
    const timedOut = r.region
      .activitiesOf(groupOf(r, 'green'))
      .filter((a) => /timed out \(hook .*, DefaultResult ABANDON\)/.test(a.statusMessage ?? ''));
    expect(timedOut.length).toBeGreaterThanOrEqual(2);
    broken.remove();
    await r.runUntilIdle();
    expect(inState(r, 'green', 'Pending:Wait')).toEqual([]);
  });

  test('Lambda throttles the probe: a third of the invocations are ridden out by retries; all of them fail the validation and roll back, nothing let in unchecked', async () => {
    const throttled = rehearse({ api: { invokeThrottleProbability: 0.3 } });
    await throttled.execute({ version: 'v1' });
    expect((await throttled.execute({ version: 'v2' })).status).toBe('SUCCEEDED');
    expect(live(throttled)).toBe('v2');
    expect(throttled.violations()).toEqual([]);

    const r = rehearse({ api: { invokeThrottleProbability: 1 } });
    const release = await r.execute({ version: 'v1' });
    expect(release.status).toBe('FAILED');
    expect(release.cause).toMatch(/TooManyRequestsException: Rate Exceeded/);
    expect(servedBy(r, 'v1')).toBe(0);
    expect(r.region.unvalidatedServing()).toEqual([]);
  });

  test('a user validator: given service, version, colour, group and the instance; its "not ok" rolls the release back with its reason', async () => {
    const payloads: UserValidatorPayload[] = [];
    const r = rehearse({
      validationFunction: (payload) => {
        payloads.push(payload);
        return payload.version === 'v2' ? { ok: false, reason: 'cache cold' } : { ok: true };
      },
    });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    expect(payloads[0]).toEqual({
      service: r.service.serviceTag,
      version: 'v1',
      colour: 'blue',
      groupName: groupOf(r, 'blue'),
      instances: [{ id: expect.stringMatching(/^i-/), privateAddress: expect.stringMatching(/^10\.0\./) }],
    });

    const release = await r.execute({ version: 'v2' });

    expect(release.status).toBe('FAILED');
    expect(release.cause).toMatch(/: the validator function UserValidator\w*: answered not ok: cache cold$/);
    expect(live(r)).toBe('v1');
    expect(dropped(r)).toBe(0);
  });

  test('with a beforeTraffic hook: it runs before the scale-up of every release, so no new instance has served when it does', async () => {
    const stack = new Stack(new App(), 'ValidatedHooked');
    new BlueGreenService(stack, 'Service', {
      validation: VALIDATION,
      hooks: {
        beforeTraffic: { function: stubFunction(stack, 'Expand') },
      },
    });
    const calls: Array<{ payload: ReleaseHookPayload; newInstances: number; servedByIt: number }> = [];
    let r: Rehearsal | undefined = undefined;
    r = Rehearsal.fromTemplate(Template.fromStack(stack).toJSON() as CfnTemplate, {
      hooks: {
        beforeTraffic: async (payload: ReleaseHookPayload) => {
          const group = r!.monitor.view().groups.find((g) => g.name === groupOf(r!, payload.colour));
          calls.push({
            payload,
            newInstances: group?.instances.length ?? -1,
            servedByIt: r!.region.traffic.servedByVersion[payload.version] ?? 0,
          });
        },
      },
    });
    const first = await r.execute({ version: 'v1' });
    const release = await r.execute({ version: 'v2' });

    expect([first.status, release.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(calls.map((c) => c.payload)).toMatchObject([
      { version: 'v1', previousVersion: '', instances: [] },
      { version: 'v2', previousVersion: 'v1', instances: [] },
    ]);
    // Nothing of the new version exists yet, so nothing of it has served.
    expect(calls.map((c) => [c.newInstances, c.servedByIt])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const states = release.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(states.filter((s) => s === 'BeforeTrafficHook')).toHaveLength(1);
    expect(states.indexOf('BeforeTrafficHook')).toBeLessThan(states.indexOf('ScaleUp'));
    expect(live(r)).toBe('v2');
    expect(servedBy(r, 'v2')).toBeGreaterThan(0);
    expect(dropped(r)).toBe(0);
    expect(r.violations()).toEqual([]);
  });

  test('a template whose validator invokes a user function is refused without its code', () => {
    expect(() => Rehearsal.fromTemplate(validatedTemplate({}, true))).toThrow(
      /invokes the user function UserValidator\w*: give its code as validationFunction/,
    );
  });
});
