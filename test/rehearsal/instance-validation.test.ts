import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, type BlueGreenServiceProps } from '../../lib/blue-green-service';
import { liveVersion } from '../../lib/rehearsal/invariants';
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { groupOf } from './harness';

/**
 * Pre-traffic validation in the rehearsal: the launch lifecycle actions reach the built validator
 * bundle as EventBridge would deliver them, its direct requests are answered by the simulated
 * instances, and the release workflow reads what it records.
 */

const templates = new Map<string, CfnTemplate>();

function validatedTemplate(props: BlueGreenServiceProps = {}): CfnTemplate {
  const key = JSON.stringify(props, (_, v) => (v instanceof Duration ? v.toSeconds() : v));
  if (!templates.has(key)) {
    const stack = new Stack(new App(), 'Validated');
    new BlueGreenService(stack, 'Service', {
      validation: { timeout: Duration.seconds(120), checks: [{ path: '/smoke' }] },
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
  return Rehearsal.fromTemplate(validatedTemplate(props), options);
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
    const continued = invocations.filter((i) => i.output?.result === 'CONTINUE');
    // Two instances per release (minCapacity 2), each validated once.
    expect(continued).toHaveLength(4);
    expect(invocations.filter((i) => i.error !== undefined)).toEqual([]);
    expect(new Set(continued.map((i) => i.groupName))).toEqual(
      new Set([groupOf(r, 'blue'), groupOf(r, 'green')]),
    );
  });
});
