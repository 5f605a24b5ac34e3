/**
 * The example app's stacks synthesized for a rehearsal, used by `npm run rehearse`, the bench
 * and the tests. The functions' code is the prebuilt handler bundles; synthesis only stages them.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BlueGreenServiceProps } from '../lib/blue-green-service';
import type { CfnTemplate } from '../lib/rehearsal/template';
import { DemoStack, ServiceStack } from './example-stacks';

export function demoTemplate(): CfnTemplate {
  return Template.fromStack(new DemoStack(new App(), 'Demo')).toJSON() as CfnTemplate;
}

/** A stack holding one service with these props. */
export function serviceTemplate(service: BlueGreenServiceProps): CfnTemplate {
  return Template.fromStack(new ServiceStack(new App(), 'Service', { service })).toJSON() as CfnTemplate;
}
