import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, BlueGreenServiceProps } from '../../lib/blue-green-service';

/** CDK v1 flags that aws-cdk-lib v2 refuses ("Unsupported feature flag") when a Stack is created. */
const REMOVED_V1_FLAGS = ['@aws-cdk/core:enableStackNameDuplicates'];

/** The feature flags of cdk.json, so that tests synthesize what `cdk synth` synthesizes. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = Object.fromEntries(
  Object.entries(
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context as Record<
      string,
      unknown
    >,
  ).filter(([flag]) => !REMOVED_V1_FLAGS.includes(flag)),
);

/** An app with the cdk.json feature flags (the functions use the prebuilt handler bundles). */
export function testApp(): App {
  return new App({ context: CDK_JSON_CONTEXT });
}

export interface ServiceFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly service: BlueGreenService;
  readonly template: Template;
}

/**
 * GIVEN a stack (optionally prepared by `setup`, e.g. with a VPC or a bucket) WHEN a
 * BlueGreenService is added with the props `setup` returns THEN its template.
 */
export function synthService(
  props: BlueGreenServiceProps | ((stack: Stack) => BlueGreenServiceProps) = {},
): ServiceFixture {
  const app = testApp();
  const stack = new Stack(app, 'TestStack');
  const service = new BlueGreenService(stack, 'Service', typeof props === 'function' ? props(stack) : props);
  return { app, stack, service, template: Template.fromStack(stack) };
}

/** The logical ID of a construct's CloudFormation resource. */
export function logicalId(construct: { node: { defaultChild?: unknown } }, stack: Stack): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** All resources of a type, as [logicalId, resource] pairs. */
export function resourcesOf(
  template: Template,
  type: string,
): [string, { Properties?: Record<string, unknown> }][] {
  return Object.entries(template.findResources(type));
}

export const SHARED_LISTENER_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const SHARED_ALB_SECURITY_GROUP = 'sg-0a1b2c3d4e5f60718';

/** A listener of a load balancer that lives elsewhere (another stack, the console). */
export function importedListener(stack: Stack, allowAllOutbound = true): elbv2.IApplicationListener {
  return elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'SharedListener', {
    listenerArn: SHARED_LISTENER_ARN,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'SharedAlbGroup', SHARED_ALB_SECURITY_GROUP, {
      allowAllOutbound,
    }),
  });
}
