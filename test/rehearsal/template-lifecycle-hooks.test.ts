import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IntrinsicResolver, type CfnTemplate } from '../../lib/rehearsal/template';
import { lifecycleHooksOfGroup } from '../../lib/rehearsal/template-lifecycle-hooks';

/** The hooks the reader finds for the group `groupId` of `template`. */
function hooksOf(template: CfnTemplate, groupId: string) {
  const resolver = new IntrinsicResolver(template);
  const resources = Object.entries(template.Resources);
  const properties = resolver.resolve(template.Resources[groupId].Properties ?? {});
  return lifecycleHooksOfGroup(resolver.physicalId(groupId), properties, {
    resources,
    resolve: (value) => resolver.resolve(value),
    physicalId: (id) => resolver.physicalId(id),
  });
}

function groupId(template: CfnTemplate): string {
  const [id] = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::AutoScaling::AutoScalingGroup',
  )!;
  return id;
}

describe('lifecycle hooks read from the synthesized template', () => {
  test("CDK's addLifecycleHook (an AWS::AutoScaling::LifecycleHook naming the group) is read with its settings", () => {
    // GIVEN a group with a launch hook, as aws-cdk-lib synthesizes it
    const stack = new Stack(new App(), 'Hooks');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const group = new autoscaling.AutoScalingGroup(stack, 'Web', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    group.addLifecycleHook('Validate', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
      heartbeatTimeout: Duration.minutes(10),
      defaultResult: autoscaling.DefaultResult.ABANDON,
      notificationMetadata: 'pre-traffic',
    });
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    // WHEN
    const hooks = hooksOf(template, groupId(template));
    // THEN
    expect(hooks).toEqual([
      {
        name: expect.stringMatching(/^WebLifecycleHookValidate/),
        transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        heartbeatTimeoutSeconds: 600,
        defaultResult: 'ABANDON',
        notificationMetadata: 'pre-traffic',
      },
    ]);
  });

  test("the group's LifecycleHookSpecificationList is read; another group's hooks are not; a nameless hook is refused", () => {
    const template: CfnTemplate = {
      Resources: {
        Blue: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          Properties: {
            MinSize: '0',
            MaxSize: '4',
            LifecycleHookSpecificationList: [
              {
                LifecycleHookName: 'boot-check',
                LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
                HeartbeatTimeout: '300',
                DefaultResult: 'CONTINUE',
              },
            ],
          },
        },
        Green: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '0', MaxSize: '4' } },
        GreenHook: {
          Type: 'AWS::AutoScaling::LifecycleHook',
          Properties: {
            AutoScalingGroupName: { Ref: 'Green' },
            LifecycleHookName: 'green-only',
            LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          },
        },
      },
    } as unknown as CfnTemplate;
    expect(hooksOf(template, 'Blue')).toEqual([
      {
        name: 'boot-check',
        transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        heartbeatTimeoutSeconds: 300,
        defaultResult: 'CONTINUE',
        notificationMetadata: undefined,
      },
    ]);
    expect(
      hooksOf(template, 'Green').map((h) => [h.name, h.heartbeatTimeoutSeconds, h.defaultResult]),
    ).toEqual([['green-only', undefined, undefined]]);
    const nameless = {
      Resources: {
        Blue: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          Properties: {
            LifecycleHookSpecificationList: [{ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }],
          },
        },
      },
    } as unknown as CfnTemplate;
    expect(() => hooksOf(nameless, 'Blue')).toThrow(
      'Blue LifecycleHookSpecificationList: LifecycleHookName (undefined) must be a non-empty string',
    );
  });
});
