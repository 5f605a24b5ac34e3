/**
 * The example app's stacks synthesized for a rehearsal, used by `npm run rehearse`,
 * `npm run bluegreen -- … --rehearse`, the bench and the tests (never by the package itself). The functions' code is the prebuilt handler bundles; synthesis only stages them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BlueGreenServiceProps } from '../lib/blue-green-service';
import type { SynthesizedStack } from '../lib/cli/cloud-assembly';
import type { CfnTemplate } from '../lib/rehearsal/template';
import { DemoStack, ServiceStack } from './example-stacks';

export function demoTemplate(): CfnTemplate {
  return Template.fromStack(new DemoStack(new App(), 'Demo')).toJSON() as CfnTemplate;
}

/** A stack holding one service with these props. */
export function serviceTemplate(service: BlueGreenServiceProps): CfnTemplate {
  return Template.fromStack(new ServiceStack(new App(), 'Service', { service })).toJSON() as CfnTemplate;
}

/** The example app's Demo stack as the `bluegreen` CLI's `--rehearse` reads synthesized stacks. */
export function demoStacks(): { where: string; stacks: SynthesizedStack[] } {
  return {
    where: 'the example app (bin/app.ts)',
    stacks: [{ stackName: 'Demo', file: 'bin/example-stacks.ts', template: demoTemplate }],
  };
}
