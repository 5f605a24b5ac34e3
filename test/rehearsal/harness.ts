import { Duration, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenServiceProps } from '../../lib/blue-green-service';
import { Rehearsal, RehearsalOptions } from '../../lib/rehearsal/rehearsal';
export { MUTATING_COMMANDS } from '../../lib/rehearsal/region/faults';
import { CfnTemplate } from '../../lib/rehearsal/template';
import { demoTemplate as synthDemo, serviceTemplate as synthService } from '../../bin/rehearsal-templates';

const cache = new Map<string, CfnTemplate>();

/** The example app's demo stack, synthesized once per test file. */
export function demoTemplate(): CfnTemplate {
  if (!cache.has('demo')) cache.set('demo', synthDemo());
  return cache.get('demo')!;
}

/** A stack holding one service with these props. */
export function serviceTemplate(key: string, service: BlueGreenServiceProps): CfnTemplate {
  if (!cache.has(key)) cache.set(key, synthService(service));
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

/**
 * A function standing for a user's hook or validator in a template (the rehearsal runs the code it
 * is given instead): it answers nothing, within `timeout` (@default 15 minutes).
 */
export function stubFunction(stack: Stack, id: string, timeout = Duration.minutes(15)): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
    timeout,
  });
}
