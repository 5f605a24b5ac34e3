import {
  LifecycleHookMessages,
  rateLimitFamily,
  unvalidatedServingViolations,
  type LifecycleHookSpec,
} from '../../../lib/rehearsal/region';
import { ServiceMonitor } from '../../../lib/rehearsal/monitor';
import { fixed, PROFILES } from '../../../lib/rehearsal/region/profile';
import { fixture, PINNED, rejection, type Fixture } from './fixture';

/** Boot 30 s, app 15 s (PINNED), Pending:Proceed 2 s, every direct request 5 ms. */
const PROFILE = { ...PINNED, pendingProceedSeconds: fixed(2), instanceCheckLatencyMs: fixed(5) };

const hook = (overrides: Partial<LifecycleHookSpec> = {}): LifecycleHookSpec => ({
  name: 'validate',
  transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  ...overrides,
});

function hooked(hooks: LifecycleHookSpec[] = [hook()], requestsPerSecond = 0): Fixture {
  return fixture({
    region: { profile: PROFILE, requestsPerSecond },
    group: { lifecycleHooks: hooks },
  });
}

/** Scales blue to n and lets the instances boot into Pending:Wait. */
async function waiting(f: Fixture, n = 1): Promise<string[]> {
  await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: n });
  await f.advance(31);
  const ids = f.ids('Pending:Wait');
  expect(ids).toHaveLength(n);
  return ids;
}

const complete = (f: Fixture, id: string, result: string, hookName = 'validate') =>
  f.asg('CompleteLifecycleAction', {
    AutoScalingGroupName: 'blue',
    LifecycleHookName: hookName,
    InstanceId: id,
    LifecycleActionResult: result,
  });

const privateAddress = async (f: Fixture, id: string): Promise<string> => {
  const out = await f.region.send('EC2', 'DescribeInstances', { InstanceIds: [id] });
  return out.Reservations[0].Instances[0].PrivateIpAddress;
};

describe('launch lifecycle hooks (docs/aws-model.md, "Lifecycle hooks")', () => {
  test('a launched instance waits in Pending:Wait: booted, not registered, counted toward desired, reported by Describe*', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    await f.advance(120);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    expect(f.group().instances).toHaveLength(1); // it counts toward desired: no second launch
    expect(f.targetState(id)).toBeUndefined();
    expect(f.group().instances[0].appUp).toBe(true); // the boot script ran while waiting
    const instances = await f.asg('DescribeAutoScalingInstances', { InstanceIds: [id] });
    expect(instances.AutoScalingInstances[0].LifecycleState).toBe('Pending:Wait');
    const groups = await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue'] });
    expect(groups.AutoScalingGroups[0].Instances[0].LifecycleState).toBe('Pending:Wait');
  });

  test('no user request reaches a waiting instance: the load balancer has no target', async () => {
    const f = hooked([hook()], 20);
    await waiting(f);
    await f.advance(60);
    expect(f.region.traffic.served()).toBe(0);
    expect(f.region.unvalidatedServing()).toEqual([]);
  });

  test('CONTINUE by instance ID: Pending:Proceed, InService after the sampled delay, then registered and serving', async () => {
    const f = hooked([hook()], 20);
    const [id] = await waiting(f);
    await f.advance(20);
    await complete(f, id, 'CONTINUE');
    expect(f.ids('Pending:Proceed')).toEqual([id]);
    expect(f.targetState(id)).toBeUndefined();
    await f.advance(2);
    expect(f.ids('InService')).toEqual([id]);
    expect(f.targetState(id)).toBe('initial');
    await f.advance(15);
    expect(f.targetState(id)).toBe('healthy');
    await f.advance(5);
    expect(f.region.traffic.served('v1')).toBeGreaterThan(0);
    expect(f.region.unvalidatedServing()).toEqual([]);
  });

  test('CONTINUE by token: every hook must complete before the instance proceeds', async () => {
    const f = hooked([hook({ name: 'smoke' }), hook({ name: 'warm-up' })]);
    const [id] = await waiting(f);
    const actions = f.region.lifecycleActionsOf(id);
    expect(actions.map((a) => a.hookName)).toEqual(['smoke', 'warm-up']);
    expect(actions[0].token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    await f.asg('CompleteLifecycleAction', {
      AutoScalingGroupName: 'blue',
      LifecycleHookName: 'smoke',
      LifecycleActionToken: actions[0].token,
      LifecycleActionResult: 'CONTINUE',
    });
    await f.advance(5);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    await complete(f, id, 'CONTINUE', 'warm-up');
    await f.advance(2);
    expect(f.ids('InService')).toEqual([id]);
  });

  test('ABANDON terminates the instance and the group launches a replacement', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    await complete(f, id, 'ABANDON');
    expect(f.ids('Terminating')).toEqual([id]);
    await f.advance(1);
    const replacement = f.ids('Pending');
    expect(replacement).toHaveLength(1);
    expect(replacement[0]).not.toBe(id);
    const activity = f.region.activitiesOf('blue').at(-1);
    expect(activity?.statusCode).toBe('Failed');
    expect(activity?.statusMessage).toContain('Lifecycle Action Completed with ABANDON Result');
    await f.advance(31);
    expect(f.ids('Pending:Wait')).toEqual(replacement);
  });

  test.each([
    ['ABANDON', 'Terminating'],
    ['CONTINUE', 'Pending:Proceed'],
  ] as const)(
    'heartbeat timeout: DefaultResult %s applies when the heartbeat timeout elapses',
    async (defaultResult, after) => {
      const f = hooked([hook({ heartbeatTimeoutSeconds: 60, defaultResult })]);
      const [id] = await waiting(f);
      await f.advance(58);
      expect(f.ids('Pending:Wait')).toEqual([id]);
      await f.advance(2);
      expect(f.ids(after)).toEqual([id]);
    },
  );

  test('the hook default result is ABANDON when the template gives none; heartbeat 3600 s by default', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    const hooks = await f.asg('DescribeLifecycleHooks', { AutoScalingGroupName: 'blue' });
    expect(hooks.LifecycleHooks).toEqual([
      {
        LifecycleHookName: 'validate',
        AutoScalingGroupName: 'blue',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 3600,
        GlobalTimeout: 172800,
        DefaultResult: 'ABANDON',
      },
    ]);
    await f.advance(3598);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    await f.advance(2);
    expect(f.ids('Terminating')).toEqual([id]);
  });

  test('a timeout that defaults to CONTINUE puts an unvalidated instance in service: the traffic evidence names it', async () => {
    const f = hooked([hook({ heartbeatTimeoutSeconds: 30, defaultResult: 'CONTINUE' })], 20);
    const [id] = await waiting(f);
    await f.advance(30 + 2 + 20);
    expect(f.targetState(id)).toBe('healthy');
    const found = f.region.unvalidatedServing();
    expect(found.map((u) => [u.instanceId, u.how])).toEqual([[id, 'defaulted']]);
    expect(unvalidatedServingViolations(found)[0]).toContain(`user requests reached ${id}`);
  });

  test('RecordLifecycleActionHeartbeat restarts the timeout, never past the global timeout (100 heartbeats)', async () => {
    const f = hooked([hook({ heartbeatTimeoutSeconds: 30 })]);
    const [id] = await waiting(f);
    const heartbeat = () =>
      f.asg('RecordLifecycleActionHeartbeat', {
        AutoScalingGroupName: 'blue',
        LifecycleHookName: 'validate',
        InstanceId: id,
      });
    await f.advance(25);
    await heartbeat();
    await f.advance(25); // 50 s in: past the first timeout, within the extended one
    expect(f.ids('Pending:Wait')).toEqual([id]);
    // Keep beating every 25 s: the global timeout (100 x 30 s = 3000 s) still ends the wait.
    for (let elapsed = 50; elapsed < 2975; elapsed += 25) {
      await heartbeat();
      await f.advance(25);
    }
    await heartbeat(); // at 2975 s: would run to 3005 s, capped at 3000 s
    await f.advance(24);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    await f.advance(1);
    expect(f.ids('Terminating')).toEqual([id]);
  });

  test('completing twice: the second completion finds no active lifecycle action (by ID and by token)', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    const [{ token }] = f.region.lifecycleActionsOf(id);
    await complete(f, id, 'CONTINUE');
    const byId = await rejection(complete(f, id, 'CONTINUE'));
    expect(byId.name).toBe('ValidationError');
    expect(byId.message).toBe(LifecycleHookMessages.noActionForInstance(id));
    const byToken = await rejection(
      f.asg('CompleteLifecycleAction', {
        AutoScalingGroupName: 'blue',
        LifecycleHookName: 'validate',
        LifecycleActionToken: token,
        LifecycleActionResult: 'ABANDON',
      }),
    );
    expect(byToken.message).toBe(LifecycleHookMessages.noActionForToken(token));
    await f.advance(2);
    expect(f.ids('InService')).toEqual([id]);
  });

  test('an ambiguous failure of CompleteLifecycleAction took effect: the retry finds no active action', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    f.region.faults.failCalls({
      commands: ['CompleteLifecycleAction'],
      error: 'InternalFailure',
      tookEffect: true,
      times: 1,
    });
    const first = await rejection(complete(f, id, 'CONTINUE'));
    expect(first.name).toBe('InternalFailure');
    expect(f.ids('Pending:Proceed')).toEqual([id]);
    const retry = await rejection(complete(f, id, 'CONTINUE'));
    expect(retry.message).toBe(LifecycleHookMessages.noActionForInstance(id));
    const stats = f.region.calls.get('AutoScaling', 'CompleteLifecycleAction');
    expect(stats).toMatchObject({ mutating: true, count: 2, errorsInjected: 1, errorsReturned: 2 });
    expect(rateLimitFamily('AutoScaling', 'CompleteLifecycleAction', true)).toBe('AutoScaling.mutating');
    expect(rateLimitFamily('AutoScaling', 'DescribeLifecycleHooks', false)).toBe('AutoScaling.describe');
  });

  test('completing an instance with no action: InService, in a group without hooks, unknown; bad input', async () => {
    const f = fixture({
      region: { profile: PROFILE },
      group: { lifecycleHooks: [hook()] },
      green: {},
    });
    const [id] = await waiting(f);
    await complete(f, id, 'CONTINUE');
    await f.advance(3);
    expect((await rejection(complete(f, id, 'CONTINUE'))).message).toBe(
      LifecycleHookMessages.noActionForInstance(id),
    );
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'green', DesiredCapacity: 1 });
    await f.advance(31);
    const [greenId] = f.ids('InService', 'green'); // no hooks: straight to InService
    const other = await rejection(
      f.asg('CompleteLifecycleAction', {
        AutoScalingGroupName: 'green',
        LifecycleHookName: 'validate',
        InstanceId: greenId,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    expect(other.message).toBe(LifecycleHookMessages.noActionForInstance(greenId));
    expect((await rejection(complete(f, 'i-0123456789abcdef0', 'CONTINUE'))).message).toBe(
      LifecycleHookMessages.noActionForInstance('i-0123456789abcdef0'),
    );
    const bad = await rejection(complete(f, id, 'continue please'));
    expect(bad.message).toContain("Value 'continue please' at 'lifecycleActionResult'");
    const neither = await rejection(
      f.asg('CompleteLifecycleAction', {
        AutoScalingGroupName: 'blue',
        LifecycleHookName: 'validate',
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    expect(neither.message).toBe(LifecycleHookMessages.tokenOrInstance());
  });

  test('scale-in (SetDesiredCapacity, UpdateAutoScalingGroup) terminates waiting instances first; their actions end', async () => {
    const f = hooked();
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(31);
    const [waitingId] = f.ids('Pending:Wait');
    await complete(f, waitingId, 'CONTINUE');
    await f.advance(3);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 });
    await f.advance(31);
    const fresh = f.ids('Pending:Wait');
    expect(fresh).toHaveLength(2);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(1);
    const [first] = f.ids('Terminating');
    expect(fresh).toContain(first);
    expect(f.ids('InService')).toEqual([waitingId]);
    expect((await rejection(complete(f, first, 'CONTINUE'))).message).toBe(
      LifecycleHookMessages.noActionForInstance(first),
    );
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MaxSize: 1 });
    await f.advance(1);
    expect(f.ids('Pending:Wait')).toEqual([]);
    expect(f.ids('InService')).toEqual([waitingId]);
  });

  test('TerminateInstanceInAutoScalingGroup on a waiting instance: terminated; replaced unless desired is decremented', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    await f.asg('TerminateInstanceInAutoScalingGroup', {
      InstanceId: id,
      ShouldDecrementDesiredCapacity: false,
    });
    expect(f.ids('Terminating')).toEqual([id]);
    expect(f.region.lifecycleActionsOf(id)).toEqual([]);
    await f.advance(1);
    const [replacement] = f.ids('Pending');
    expect(replacement).toBeDefined();
    await f.advance(31);
    await f.asg('TerminateInstanceInAutoScalingGroup', {
      InstanceId: replacement,
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(1);
    expect(f.group().desiredCapacity).toBe(0);
    expect(f.ids('Pending')).toEqual([]);
  });

  test('an instance impaired while waiting stays in Pending:Wait (nothing health-checks it) and answers no direct check', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    await f.advance(20);
    const address = await privateAddress(f, id);
    f.region.faults.killInstance(id);
    await f.advance(30);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    expect(f.region.instanceChecks.request({ address, port: 80, path: '/health', timeoutMs: 2000 })).toEqual({
      kind: 'timeout',
      latencyMs: 2000,
    });
    await complete(f, id, 'ABANDON');
    expect(f.ids('Terminating')).toEqual([id]);
  });
});

describe('direct instance checks from inside the VPC', () => {
  test('EC2 DescribeInstances gives the private address and state; unknown and malformed IDs fail as EC2 does', async () => {
    const f = hooked();
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(1);
    const ids = f.ids('Pending');
    const out = await f.region.send('EC2', 'DescribeInstances', { InstanceIds: ids });
    const described = out.Reservations.map((r: { Instances: unknown[] }) => r.Instances[0]);
    expect(described.map((i: { InstanceId: string }) => i.InstanceId)).toEqual(ids);
    expect(described[0].State).toEqual({ Code: 0, Name: 'pending' });
    const addresses = described.map((i: { PrivateIpAddress: string }) => i.PrivateIpAddress);
    expect(new Set(addresses).size).toBe(2);
    for (const a of addresses) expect(a).toMatch(/^10\.0\.\d{1,3}\.\d{1,3}$/);
    await f.advance(30);
    const running = await f.region.send('EC2', 'DescribeInstances', { InstanceIds: [ids[0]] });
    expect(running.Reservations[0].Instances[0].State).toEqual({ Code: 16, Name: 'running' });
    const missing = await rejection(
      f.region.send('EC2', 'DescribeInstances', { InstanceIds: ['i-0123456789abcdef0'] }),
    );
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    expect(missing.message).toBe("The instance ID 'i-0123456789abcdef0' does not exist");
    const malformed = await rejection(f.region.send('EC2', 'DescribeInstances', { InstanceIds: ['web-1'] }));
    expect(malformed.name).toBe('InvalidInstanceID.Malformed');
    expect(f.region.calls.get('EC2', 'DescribeInstances')).toMatchObject({ mutating: false, count: 4 });
  });

  test('EC2 DescribeInstances draws on the EC2 describe bucket: an empty bucket answers RequestLimitExceeded (HTTP 503)', async () => {
    const f = fixture({
      region: { profile: PROFILE, api: { rateLimits: { 'EC2.describe': { burst: 1, perSecond: 1 } } } },
      group: { lifecycleHooks: [hook()] },
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(1);
    const ids = f.ids('Pending');
    await f.region.send('EC2', 'DescribeInstances', { InstanceIds: ids });
    const throttled = await rejection(f.region.send('EC2', 'DescribeInstances', { InstanceIds: ids }));
    expect(throttled.name).toBe('RequestLimitExceeded');
    expect(throttled.$metadata.httpStatusCode).toBe(503);
    expect(rateLimitFamily('EC2', 'DescribeInstances', false)).toBe('EC2.describe');
  });

  test('before boot: timeout; booted with the app starting: refused; app up: 200 with the version it runs', async () => {
    const f = hooked();
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(1);
    const [id] = f.ids('Pending');
    const address = await privateAddress(f, id);
    const ask = (path = '/health', port = 80) => f.region.instanceChecks.request({ address, port, path });
    expect(ask()).toEqual({ kind: 'timeout', latencyMs: 5000 });
    await f.advance(30);
    expect(f.ids('Pending:Wait')).toEqual([id]);
    expect(ask()).toEqual({ kind: 'refused', instanceId: id, latencyMs: 5 });
    await f.advance(15);
    const answer = ask('/health?probe=1');
    expect(answer).toMatchObject({
      kind: 'response',
      instanceId: id,
      status: 200,
      version: 'v1',
      latencyMs: 5,
    });
    expect(answer.kind === 'response' && JSON.parse(answer.body)).toEqual({
      version: 'v1',
      colour: 'blue',
      instance: id,
    });
    expect(ask('/health', 8080)).toMatchObject({ kind: 'refused' });
    expect(f.region.instanceChecks.request({ address: '10.0.250.9', port: 80, path: '/' })).toMatchObject({
      kind: 'timeout',
    });
  });

  test('faults: a path answered badly for a version or one instance; an unhealthy version answers 500; a slow path times out', async () => {
    const f = hooked();
    const ids = await waiting(f, 2);
    await f.advance(15);
    const [a, b] = await Promise.all(ids.map((id) => privateAddress(f, id)));
    const ask = (address: string, path: string, timeoutMs?: number) =>
      f.region.instanceChecks.request({ address, port: 80, path, timeoutMs });
    const smoke = f.region.instanceChecks.answerBadly({
      version: 'v1',
      path: '/smoke',
      status: 503,
      body: 'db down',
    });
    expect(ask(a, '/smoke')).toMatchObject({ kind: 'response', status: 503, body: 'db down' });
    expect(ask(b, '/smoke')).toMatchObject({ kind: 'response', status: 503 });
    expect(ask(a, '/health')).toMatchObject({ kind: 'response', status: 200 });
    expect(smoke.answered).toBe(2);
    smoke.remove();
    expect(ask(a, '/smoke')).toMatchObject({ status: 200 });
    f.region.instanceChecks.answerBadly({
      instanceId: ids[1],
      path: '/slow',
      status: 200,
      extraLatencyMs: 3000,
    });
    expect(ask(b, '/slow', 2000)).toEqual({ kind: 'timeout', latencyMs: 2000 });
    expect(ask(a, '/slow', 2000)).toMatchObject({ kind: 'response', status: 200, latencyMs: 5 });
    f.region.faults.unhealthyVersion('v1');
    expect(ask(a, '/health')).toMatchObject({ kind: 'response', status: 500 });
    expect(() => f.region.instanceChecks.answerBadly({ path: 'smoke', status: 99 })).toThrow(
      'answerBadly: path (smoke) must start with /; status (99) must be a whole number in [100, 599]',
    );
  });

  test('errorResponses: the version answers exactly its share of direct requests with a 500', async () => {
    const f = hooked();
    const [id] = await waiting(f);
    await f.advance(15);
    const address = await privateAddress(f, id);
    f.region.faults.errorResponses('v1', 0.25);
    const statuses = Array.from({ length: 40 }, () => {
      const answer = f.region.instanceChecks.request({ address, port: 80, path: '/' });
      return answer.kind === 'response' ? answer.status : 0;
    });
    expect(statuses.filter((s) => s === 500)).toHaveLength(10);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
  });
});

describe('lifecycle hook specs', () => {
  test('profiles: harsh is at least as slow as typical for Pending:Proceed and direct requests; bad ranges are refused', () => {
    for (const key of ['pendingProceedSeconds', 'instanceCheckLatencyMs'] as const) {
      expect(PROFILES.harsh[key].min).toBeGreaterThanOrEqual(PROFILES.typical[key].min);
      expect(PROFILES.harsh[key].max).toBeGreaterThan(PROFILES.typical[key].max);
    }
    expect(() =>
      fixture({ region: { profile: { ...PROFILE, pendingProceedSeconds: { min: 3, max: 1 } } } }),
    ).toThrow('profile pendingProceedSeconds ({min: 3, max: 1}) must be whole numbers with 0 <= min <= max');
  });

  test('invalid hooks are refused with every problem named; terminating hooks are not simulated', () => {
    expect(() =>
      hooked([
        hook({ heartbeatTimeoutSeconds: 10 }),
        hook({ name: 'drain', transition: 'autoscaling:EC2_INSTANCE_TERMINATING' }),
        hook({ name: 'bad name!' }),
      ]),
    ).toThrow(
      /heartbeatTimeoutSeconds \(10\) must be a whole number in \[30, 7200\].*not simulated: autoscaling:EC2_INSTANCE_TERMINATING.*lifecycle hook name \("bad name!"\)/,
    );
  });

  test('groups without hooks never enter Pending:Wait and the traffic evidence stays empty', async () => {
    const f = fixture({ region: { profile: PROFILE, requestsPerSecond: 20 } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(31);
    const [id] = f.ids('InService');
    expect(f.targetState(id)).toBe('initial');
    await f.advance(30);
    expect(f.region.traffic.served('v1')).toBeGreaterThan(0);
    expect(f.region.unvalidatedServing()).toEqual([]);
    expect(f.region.lifecycleActionsOf(id)).toEqual([]);
  });
});

describe('the rehearsal monitor and launch validation', () => {
  test('the monitor reports, once, an instance that took user requests after its hook defaulted to CONTINUE', async () => {
    const f = hooked([hook({ heartbeatTimeoutSeconds: 30, defaultResult: 'CONTINUE' })], 20);
    const monitor = new ServiceMonitor(f.region, f.clock, 1, []);
    const [id] = await waiting(f);
    await f.advance(30 + 2 + 30);
    const found = monitor.violations().filter((v) => v.includes('not validated'));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`user requests reached ${id} (blue)`);
  });

  test('validated instances, and groups without hooks, leave the monitor silent about validation', async () => {
    const f = fixture({
      region: { profile: PROFILE, requestsPerSecond: 20 },
      group: { lifecycleHooks: [hook()] },
    });
    const monitor = new ServiceMonitor(f.region, f.clock, 1, []);
    const [id] = await waiting(f);
    await complete(f, id, 'CONTINUE');
    await f.advance(40);
    expect(f.region.traffic.served('v1')).toBeGreaterThan(0);
    expect(monitor.violations().filter((v) => v.includes('not validated'))).toEqual([]);
  });
});
