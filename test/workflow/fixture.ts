import { App, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ReleaseWorkflow, ReleaseWorkflowProps } from '../../lib/release-workflow';

/**
 * A stack with two bare groups and a target group: the workflow on its own. `props` may be made
 * in the stack (e.g. hook functions) before the workflow.
 */
export function workflowStack(
  props: Partial<ReleaseWorkflowProps> | ((stack: Stack) => Partial<ReleaseWorkflowProps>) = {},
): {
  stack: Stack;
  workflow: ReleaseWorkflow;
} {
  const app = new App();
  const stack = new Stack(app, 'WorkflowStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', {
    vpc,
    port: 8080,
    targetType: elbv2.TargetType.INSTANCE,
  });
  const group = (id: string) =>
    new autoscaling.AutoScalingGroup(stack, id, {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      minCapacity: 0,
      maxCapacity: 6,
    });
  const workflow = new ReleaseWorkflow(stack, 'Release', {
    blue: group('Blue'),
    green: group('Green'),
    targetGroup,
    serviceTag: 'svc',
    minCapacity: 2,
    maxCapacity: 6,
    defaultCapacity: 2,
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return { stack, workflow };
}
