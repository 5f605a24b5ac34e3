/**
 * The example app's stacks synthesized for a rehearsal, used by `npm run rehearse`, the bench
 * and the tests. Lambda bundling is skipped: the rehearsal runs the handlers from source.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BlueGreenServiceProps } from '../lib/blue-green-service';
import type { CfnTemplate } from '../lib/rehearsal/template';
import { DemoStack, ServiceStack } from './example-stacks';

function noBundlingApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function demoTemplate(): CfnTemplate {
  return Template.fromStack(new DemoStack(noBundlingApp(), 'Demo')).toJSON() as CfnTemplate;
}

/** A stack holding one service with these props. */
export function serviceTemplate(service: BlueGreenServiceProps): CfnTemplate {
  return Template.fromStack(
    new ServiceStack(noBundlingApp(), 'Service', { service }),
  ).toJSON() as CfnTemplate;
}
