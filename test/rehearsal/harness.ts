import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenServiceProps } from '../../lib/blue-green-service';
import { Rehearsal, RehearsalOptions } from '../../lib/rehearsal/rehearsal';
export { MUTATING_COMMANDS } from '../../lib/rehearsal/region/faults';
import { CfnTemplate } from '../../lib/rehearsal/template';
import { DemoStack, ServiceStack } from '../../bin/example-stacks';

/** Synthesizes without bundling the Lambda code: the rehearsal runs the handlers from source. */
function synth(build: (app: App) => Stack): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(build(app)).toJSON() as CfnTemplate;
}

const cache = new Map<string, CfnTemplate>();

/** The example app's demo stack, synthesized once per test file. */
export function demoTemplate(): CfnTemplate {
  if (!cache.has('demo'))
    cache.set(
      'demo',
      synth((app) => new DemoStack(app, 'Demo')),
    );
  return cache.get('demo')!;
}

/** A stack holding one service with these props. */
export function serviceTemplate(key: string, service: BlueGreenServiceProps): CfnTemplate {
  if (!cache.has(key))
    cache.set(
      key,
      synth((app) => new ServiceStack(app, 'Service', { service })),
    );
  return cache.get(key)!;
}

export function rehearse(options: RehearsalOptions = {}, template = demoTemplate()): Rehearsal {
  return Rehearsal.fromTemplate(template, options);
}

/** The group a colour's tag names. */
export function groupOf(rehearsal: Rehearsal, colour: string): string {
  const group = rehearsal.service.groups.find((g) =>
    g.tags.some((t) => t.key === 'bluegreen:colour' && t.value === colour),
  );
  if (!group) throw new Error(`no ${colour} group`);
  return group.name;
}
