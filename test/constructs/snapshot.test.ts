import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AppSource } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { importedListener, synthService } from './helpers';

/**
 * Asset hashes change with the handler code, the bundler and the machine: replace every 64-hex
 * hash (asset keys, staging paths) so that a snapshot only moves when the template does.
 */
function stable(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

describe('snapshots', () => {
  test('GIVEN defaults THEN the template matches the snapshot', () => {
    const { template } = synthService();

    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 2);
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    expect(stable(template)).toMatchSnapshot();
  });

  test('GIVEN artifact mode, HTTPS and an existing VPC THEN the template matches the snapshot', () => {
    const { template } = synthService((stack: Stack) => ({
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.20.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        publicSubnetIds: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'],
        privateSubnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
        isolatedSubnetIds: ['subnet-0c0000000000000c1', 'subnet-0c0000000000000c2'],
      }),
      application: AppSource.fromArtifactBucket(),
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      ),
    }));

    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    expect(stable(template)).toMatchSnapshot();
  });

  test('GIVEN an existing listener THEN the template matches the snapshot', () => {
    const { template } = synthService((stack: Stack) => ({
      existingListener: {
        listener: importedListener(stack),
        conditions: [elbv2.ListenerCondition.hostHeaders(['shop.example.com'])],
        priority: 10,
        url: 'https://shop.example.com',
      },
      database: DatabaseSource.none(),
    }));

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Priority: 10 });
    expect(stable(template)).toMatchSnapshot();
  });

  test('GIVEN no database THEN the template matches the snapshot', () => {
    const { template } = synthService({ database: DatabaseSource.none() });

    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    template.resourcePropertiesCountIs(
      'AWS::EC2::SecurityGroup',
      { GroupDescription: Match.stringLikeRegexp('Database') },
      0,
    );
    expect(stable(template)).toMatchSnapshot();
  });
});
