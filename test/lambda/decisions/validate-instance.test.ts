/** The validator's decisions, pure: no mocks, answers in, verdicts out. */
import {
  admission,
  describeAnswer,
  groupIdentity,
  heartbeatDue,
  judgeHealthPoll,
  judgeSmokeCheck,
  judgeUserValidator,
  lifecycleActionOf,
  probeAnswer,
  requestBudget,
  statusMatches,
} from '../../../lambda/validate-instance/decisions';
import { isNoActiveLifecycleAction } from '../../../lambda/shared/lifecycle-actions';

const GROUPS = ['blue-group', 'green-group'];

function event(detail: Record<string, unknown>, detailType = 'EC2 Instance-launch Lifecycle Action') {
  return {
    'detail-type': detailType,
    source: 'aws.autoscaling',
    time: '2026-01-01T00:00:00Z',
    detail: {
      LifecycleActionToken: 'token-1',
      AutoScalingGroupName: 'green-group',
      LifecycleHookName: 'hook',
      EC2InstanceId: 'i-0abc',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      ...detail,
    },
  };
}

describe('lifecycleActionOf', () => {
  it('names the launch action of a group of the service', () => {
    expect(lifecycleActionOf(event({}), GROUPS).action).toMatchObject({
      EC2InstanceId: 'i-0abc',
      LifecycleActionToken: 'token-1',
    });
  });
  it('ignores another group and a terminating transition, saying why', () => {
    expect(lifecycleActionOf(event({ AutoScalingGroupName: 'other' }), GROUPS).ignored).toBe(
      "group other is not one of this service's (blue-group, green-group)",
    );
    expect(
      lifecycleActionOf(event({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }), GROUPS)
        .ignored,
    ).toBe('transition autoscaling:EC2_INSTANCE_TERMINATING is not a launch');
  });
  it('refuses another kind of event or a missing field, naming it and its value', () => {
    expect(() => lifecycleActionOf(event({}, 'Scheduled Event'), GROUPS)).toThrow(
      'event detail-type ("Scheduled Event") must be "EC2 Instance-launch Lifecycle Action"',
    );
    expect(() => lifecycleActionOf(event({ EC2InstanceId: '' }), GROUPS)).toThrow(
      'event detail.EC2InstanceId ("") must be a non-empty string',
    );
  });
});

describe('statusMatches', () => {
  it('reads the target group matcher: one code, a list, a range', () => {
    expect(statusMatches(200, '200')).toBe(true);
    expect(statusMatches(204, '200')).toBe(false);
    expect(statusMatches(202, '200,202')).toBe(true);
    expect(statusMatches(299, '200-299')).toBe(true);
    expect(statusMatches(300, '200-299')).toBe(false);
  });
});

describe('judgeHealthPoll', () => {
  it('passes on a healthy code', () => {
    expect(judgeHealthPoll('/health', { kind: 'response', status: 200, body: '' }, '200', 5, 10, 0)).toBe(
      'passed',
    );
  });
  it('waits while the app starts and time is left', () => {
    expect(judgeHealthPoll('/health', { kind: 'refused' }, '200', 9_999, 10_000, 0)).toBe('wait');
    expect(judgeHealthPoll('/health', { kind: 'response', status: 503, body: '' }, '200', 1, 10_000, 0)).toBe(
      'wait',
    );
  });
  it('fails at the deadline with the last answer and how long it waited', () => {
    expect(
      judgeHealthPoll('/health', { kind: 'timeout', timeoutMs: 5000 }, '200', 60_000, 60_000, 0),
    ).toEqual({
      check: 'GET /health (health check, wanted 200)',
      answer: 'no answer within 5000 ms; still so after 60 s',
    });
  });
});

describe('judgeSmokeCheck', () => {
  const check = { path: '/smoke', expectedStatus: 200, bodyIncludes: 'ready', timeoutMs: 5000 };
  it('passes on the expected status and body', () => {
    expect(judgeSmokeCheck(check, { kind: 'response', status: 200, body: 'all ready' })).toBeUndefined();
  });
  it('fails on another status, naming the check and the answer with a body excerpt', () => {
    expect(judgeSmokeCheck(check, { kind: 'response', status: 500, body: 'boom\n' })).toEqual({
      check: 'GET /smoke (wanted 200 and a body with "ready")',
      answer: 'status 500, body "boom"',
    });
  });
  it('fails on a body without the text, a timeout or a refusal', () => {
    expect(judgeSmokeCheck(check, { kind: 'response', status: 200, body: 'starting' })?.answer).toBe(
      'status 200, body "starting"',
    );
    expect(judgeSmokeCheck(check, { kind: 'timeout', timeoutMs: 5000 })?.answer).toBe(
      'no answer within 5000 ms',
    );
    expect(judgeSmokeCheck(check, { kind: 'refused' })?.answer).toBe('connection refused');
  });
  it('keeps a long body to an excerpt', () => {
    const answer = describeAnswer({ kind: 'response', status: 500, body: 'x'.repeat(1000) });
    expect(answer.length).toBeLessThan(230);
  });
});

describe('requestBudget', () => {
  it('gives a request its own timeout, never past the deadline', () => {
    expect(requestBudget('GET /x', 5000, 0, 60_000, 60)).toBe(5000);
    expect(requestBudget('GET /x', 5000, 58_000, 60_000, 60)).toBe(2000);
  });
  it('fails the check when the validation timeout already ran out', () => {
    expect(requestBudget('GET /x (wanted 200)', 5000, 60_000, 60_000, 60)).toEqual({
      check: 'GET /x (wanted 200)',
      answer: 'not run: the validation timeout (60 s) ran out first',
    });
  });
});

describe('probeAnswer', () => {
  it("passes the probe's answer on as it is", () => {
    for (const answer of [
      { kind: 'response', status: 503, body: 'starting' },
      { kind: 'timeout', timeoutMs: 5000 },
      { kind: 'refused' },
      { kind: 'error', message: 'fetch failed' },
    ]) {
      expect(probeAnswer('probe-fn', { answer })).toEqual(answer);
    }
  });
  it('turns a failed invocation into an error answer naming the probe, which a smoke check fails with', () => {
    const answer = probeAnswer('probe-fn', { error: 'Sandbox.Timedout: Task timed out after 70.00 seconds' });
    expect(answer).toEqual({
      kind: 'error',
      message: 'the probe function probe-fn failed: Sandbox.Timedout: Task timed out after 70.00 seconds',
    });
    expect(judgeSmokeCheck({ path: '/smoke', expectedStatus: 200, timeoutMs: 5000 }, answer)?.answer).toBe(
      'request failed: the probe function probe-fn failed: Sandbox.Timedout: Task timed out after 70.00 seconds',
    );
  });
  it('turns an answer that is not an instance answer into an error answer naming the probe and the answer', () => {
    expect(probeAnswer('probe-fn', { answer: { kind: 'response', status: '200' } })).toEqual({
      kind: 'error',
      message: 'the probe function probe-fn answered {"kind":"response","status":"200"}',
    });
    expect(probeAnswer('probe-fn', { answer: undefined })).toEqual({
      kind: 'error',
      message: 'the probe function probe-fn answered nothing',
    });
  });
  it('makes the health poll wait on a failed probe while time is left, then fail with it', () => {
    const failed = probeAnswer('probe-fn', { error: 'AccessDeniedException: not allowed' });
    expect(judgeHealthPoll('/health', failed, '200', 1_000, 60_000, 0)).toBe('wait');
    expect(judgeHealthPoll('/health', failed, '200', 60_000, 60_000, 0)).toEqual({
      check: 'GET /health (health check, wanted 200)',
      answer:
        'request failed: the probe function probe-fn failed: AccessDeniedException: not allowed; still so after 60 s',
    });
  });
});

describe('judgeUserValidator', () => {
  it('passes any answer but ok: false', () => {
    expect(judgeUserValidator('fn', { answer: { ok: true } })).toBeUndefined();
    expect(judgeUserValidator('fn', { answer: null })).toBeUndefined();
  });
  it('fails on ok: false with its reason, and on an error', () => {
    expect(judgeUserValidator('fn', { answer: { ok: false, reason: 'cache cold' } })).toEqual({
      check: 'the validator function fn',
      answer: 'answered not ok: cache cold',
    });
    expect(judgeUserValidator('fn', { error: 'Error: boom' })?.answer).toBe('failed: Error: boom');
  });
});

describe('heartbeatDue', () => {
  it('is due once half the heartbeat timeout passed since the last one', () => {
    expect(heartbeatDue(0, 149_999, 300)).toBe(false);
    expect(heartbeatDue(0, 150_000, 300)).toBe(true);
  });
});

describe('isNoActiveLifecycleAction', () => {
  it('recognizes the refusal of an action that is over, and nothing else', () => {
    const refusal = Object.assign(new Error('No active Lifecycle Action found with token t'), {
      name: 'ValidationError',
    });
    expect(isNoActiveLifecycleAction(refusal)).toBe(true);
    expect(
      isNoActiveLifecycleAction(Object.assign(new Error('Group not found'), { name: 'ValidationError' })),
    ).toBe(false);
    expect(isNoActiveLifecycleAction(new Error('No active Lifecycle Action found'))).toBe(false);
  });
});

describe('groupIdentity', () => {
  it('reads the version and colour tags', () => {
    expect(
      groupIdentity([
        { Key: 'bluegreen:version', Value: 'v2' },
        { Key: 'bluegreen:colour', Value: 'green' },
      ]),
    ).toEqual({ version: 'v2', colour: 'green' });
    expect(groupIdentity([]).version).toBe('(no version tag)');
  });
});

describe('admission', () => {
  const releaseOf = (version: string) => ({ action: 'release', version });

  it('GIVEN an idle group and a release of its version holding the lock THEN held for that release', () => {
    expect(admission({ groupRole: 'idle', version: 'v2', lock: releaseOf('v2') })).toBe('hold');
  });

  it('GIVEN the live or standby group (a scale-out, a rollback relaunching) THEN let in at once', () => {
    expect(admission({ groupRole: 'live', version: 'v2', lock: releaseOf('v2') })).toBe('continue');
    expect(admission({ groupRole: 'standby', version: 'v1', lock: releaseOf('v1') })).toBe('continue');
  });

  it('GIVEN no release of that version under way (none, a rollback, another version) THEN let in at once', () => {
    expect(admission({ groupRole: 'idle', version: 'v2', lock: undefined })).toBe('continue');
    expect(admission({ groupRole: 'idle', version: 'v2', lock: { action: 'rollback', version: 'v2' } })).toBe(
      'continue',
    );
    expect(admission({ groupRole: 'idle', version: 'v2', lock: releaseOf('v3') })).toBe('continue');
  });
});
