import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DemoStack, ServiceStack } from '../../bin/example-stacks';
import { AppSource, BlueGreenService } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { Fleet } from '../../lib/fleet';
import { ReleaseWorkflow } from '../../lib/release-workflow';
import { logicalId, resourcesOf, synthService, testApp } from './helpers';

describe('BlueGreenService', () => {
  const defaults = synthService();

  test('GIVEN defaults THEN it exposes every part it creates', () => {
    const { service } = defaults;

    expect(service.vpc).toBeInstanceOf(ec2.Vpc);
    expect(service.loadBalancer).toBeInstanceOf(elbv2.ApplicationLoadBalancer);
    expect(service.listener).toBeInstanceOf(elbv2.ApplicationListener);
    expect(service.targetGroup).toBeInstanceOf(elbv2.ApplicationTargetGroup);
    expect(service.blue).toBeInstanceOf(Fleet);
    expect(service.green).toBeInstanceOf(Fleet);
    expect(service.blue.colour).toBe('blue');
    expect(service.green.colour).toBe('green');
    expect(service.blue.autoScalingGroup).not.toBe(service.green.autoScalingGroup);
    expect(service.blue.launchTemplate).toBeInstanceOf(ec2.LaunchTemplate);
    expect(service.instanceSecurityGroup).toBeInstanceOf(ec2.SecurityGroup);
    expect(service.database).toBeDefined();
    expect(service.releaseWorkflow).toBeInstanceOf(ReleaseWorkflow);
    expect(service.artifactBucket).toBeUndefined();
  });

  test('GIVEN defaults THEN a new VPC: 2 AZs, public, private-with-egress and isolated subnets, 1 NAT, flow logs', () => {
    const { template, service } = defaults;

    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
    const vpc = service.vpc as ec2.Vpc;
    expect(vpc.publicSubnets).toHaveLength(2);
    expect(vpc.privateSubnets).toHaveLength(2);
    expect(vpc.isolatedSubnets).toHaveLength(2);
  });

  test('GIVEN defaults THEN the instances run in the private subnets with egress', () => {
    const { template, service, stack } = defaults;
    const privateSubnets = service.vpc.privateSubnets.map((subnet) => ({
      Ref: logicalId(subnet as ec2.Subnet, stack),
    }));

    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: privateSubnets,
    });
  });

  test('GIVEN defaults THEN outputs: URL, both group names and the state machine ARN', () => {
    const { template, service, stack } = defaults;
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const byPrefix = (prefix: string) =>
      Object.entries(outputs).find(([id]) => id.startsWith(prefix))?.[1].Value;

    expect(byPrefix('ServiceUrl')).toEqual({
      'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [logicalId(service.loadBalancer!, stack), 'DNSName'] }]],
    });
    expect(byPrefix('ServiceBlueGroupName')).toEqual({
      Ref: logicalId(service.blue.autoScalingGroup, stack),
    });
    expect(byPrefix('ServiceGreenGroupName')).toEqual({
      Ref: logicalId(service.green.autoScalingGroup, stack),
    });
    expect(byPrefix('ServiceStateMachineArn')).toBeDefined();
    expect(byPrefix('ServiceArtifactBucketName')).toBeUndefined();
  });

  test('GIVEN defaults THEN no physical names are hard-coded', () => {
    const nameProperty: Record<string, string> = {
      'AWS::S3::Bucket': 'BucketName',
      'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
      'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
      'AWS::AutoScaling::AutoScalingGroup': 'AutoScalingGroupName',
      'AWS::EC2::LaunchTemplate': 'LaunchTemplateName',
      'AWS::EC2::SecurityGroup': 'GroupName',
      'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
      'AWS::RDS::DBParameterGroup': 'DBParameterGroupName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::IAM::Role': 'RoleName',
    };
    for (const [type, property] of Object.entries(nameProperty)) {
      for (const [, resource] of resourcesOf(defaults.template, type)) {
        expect(resource.Properties ?? {}).not.toHaveProperty(property);
      }
    }
  });

  test('GIVEN two services THEN their service tags differ; the same path gives the same tag', () => {
    const app = testApp();
    const stack = new Stack(app, 'Two');
    const first = new BlueGreenService(stack, 'Shop', { database: DatabaseSource.none() });
    const second = new BlueGreenService(stack, 'Blog', { database: DatabaseSource.none() });
    const again = synthService().service;

    expect(first.serviceTag).not.toBe(second.serviceTag);
    expect(again.serviceTag).toBe(defaults.service.serviceTag);
    expect(first.serviceTag).toMatch(/^[A-Za-z0-9+\-=._:@]{1,64}$/);
  });

  test('GIVEN a serviceTag THEN both groups carry it', () => {
    const { template } = synthService({ serviceTag: 'shop-prod' });

    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: 'bluegreen:service', Value: 'shop-prod', PropagateAtLaunch: true }]),
    });
  });

  test('GIVEN a VPC created in the test stack THEN no VPC is created and it is used', () => {
    const { template, service, stack } = synthService((s) => ({
      vpc: new ec2.Vpc(s, 'Shared', { maxAzs: 3, natGateways: 1 }),
    }));

    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(service.vpc.node.path).toBe('TestStack/Shared');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      VpcId: { Ref: logicalId(service.vpc as ec2.Vpc, stack) },
    });
    // No isolated subnets there: the database goes to the private subnets.
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: service.vpc.privateSubnets.map((subnet) => ({
        Ref: logicalId(subnet as ec2.Subnet, stack),
      })),
    });
  });

  test('GIVEN an imported VPC (fromVpcAttributes) THEN its subnets are used and no VPC is created', () => {
    const { template } = synthService((s) => ({
      vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.20.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        publicSubnetIds: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'],
        privateSubnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
        isolatedSubnetIds: ['subnet-0c0000000000000c1', 'subnet-0c0000000000000c2'],
      }),
    }));

    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
    });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: ['subnet-0c0000000000000c1', 'subnet-0c0000000000000c2'],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Subnets: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'],
    });
  });

  test('GIVEN artifact mode without a bucket THEN a versioned, encrypted, SSL-only bucket logs to the access-logs bucket', () => {
    const { template, service, stack } = synthService({ application: AppSource.fromArtifactBucket() });
    const logsBucket = logicalId(service.entryPoint.accessLogsBucket as never, stack);

    expect(service.artifactBucket).toBeInstanceOf(s3.Bucket);
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LoggingConfiguration: { DestinationBucketName: { Ref: logsBucket }, LogFilePrefix: 'artifact-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(service.artifactBucket as never, stack) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs.some((id) => id.startsWith('ServiceArtifactBucketName'))).toBe(true);
  });

  test('GIVEN artifact mode with a bucket THEN no bucket is created and the workflow gets the location', () => {
    const { template, service } = synthService((s) => ({
      application: AppSource.fromArtifactBucket(s3.Bucket.fromBucketName(s, 'Releases', 'my-releases'), {
        keyPrefix: 'web/',
        extension: 'zip',
      }),
    }));

    template.resourceCountIs('AWS::S3::Bucket', 1); // the access-logs bucket only
    expect(service.artifactBucket?.bucketName).toBe('my-releases');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadReleaseArtifacts',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-releases/web/*']] },
          }),
        ]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).toContain('my-releases');
  });

  test('GIVEN commands mode THEN user data is rendered in commands mode for both colours', () => {
    const { template } = synthService({ application: AppSource.fromCommands('dnf install -y nginx') });

    const launchTemplates = resourcesOf(template, 'AWS::EC2::LaunchTemplate');
    expect(launchTemplates).toHaveLength(2);
    for (const [, launchTemplate] of launchTemplates) {
      expect(JSON.stringify(launchTemplate)).toContain('dnf install -y nginx');
    }
  });

  test('GIVEN capacities and timings THEN the workflow is configured with them', () => {
    const { template } = synthService({
      minCapacity: 3,
      maxCapacity: 8,
      defaultCapacity: 4,
      healthTimeout: Duration.minutes(20),
      bakeTime: Duration.minutes(10),
      healthCheck: { interval: Duration.seconds(10), timeout: Duration.seconds(5) },
    });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MIN_CAPACITY: '3',
          MAX_CAPACITY: '8',
          DEFAULT_CAPACITY: '4',
          HEALTH_TIMEOUT_SECONDS: '1200',
          BAKE_SECONDS: '600',
          POLL_SECONDS: '10',
        }),
      },
    });
  });

  test('GIVEN defaults THEN defaultCapacity defaults to minCapacity', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ MIN_CAPACITY: '2', MAX_CAPACITY: '6', DEFAULT_CAPACITY: '2' }),
      },
    });
  });

  test('GIVEN grantStartRelease THEN the grantee may start executions of the release state machine', () => {
    const app = testApp();
    const stack = new Stack(app, 'Grant');
    const service = new BlueGreenService(stack, 'Service', { database: DatabaseSource.none() });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

    const grant = service.grantStartRelease(operator);

    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(operator, stack) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['states:StartExecution']) }),
        ]),
      },
    });
  });

  test("GIVEN connections THEN they are the instances' security group, the application port their default port", () => {
    const app = testApp();
    const stack = new Stack(app, 'Connect');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const service = new BlueGreenService(stack, 'Service', {
      vpc,
      database: DatabaseSource.none(),
      appPort: 3000,
    });
    const cache = new ec2.SecurityGroup(stack, 'Cache', { vpc });
    const bastion = new ec2.SecurityGroup(stack, 'Bastion', { vpc });
    const monitor = new ec2.SecurityGroup(stack, 'Monitor', { vpc });
    const groupId = (group: ec2.SecurityGroup) => ({ 'Fn::GetAtt': [logicalId(group, stack), 'GroupId'] });

    service.connections.allowTo(cache, ec2.Port.tcp(6379), 'Cache from the service');
    service.connections.allowDefaultPortFrom(bastion, 'Application port from the bastion');
    monitor.connections.allowTo(service, ec2.Port.tcp(9100), 'Node exporter'); // the service as an IConnectable
    const template = Template.fromStack(stack);

    expect(service.connections.securityGroups).toEqual([service.instanceSecurityGroup]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: groupId(cache),
      SourceSecurityGroupId: groupId(service.instanceSecurityGroup),
      FromPort: 6379,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: groupId(service.instanceSecurityGroup),
      SourceSecurityGroupId: groupId(bastion),
      FromPort: 3000,
      ToPort: 3000,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: groupId(service.instanceSecurityGroup),
      SourceSecurityGroupId: groupId(monitor),
      FromPort: 9100,
    });
  });

  test('GIVEN the example stacks THEN they synthesize without an environment; the demo database is throwaway', () => {
    const app = testApp();
    const demo = new DemoStack(app, 'Demo');
    const production = new ServiceStack(app, 'Production', {
      service: { database: DatabaseSource.create({ multiAz: true }), minCapacity: 2, maxCapacity: 4 },
    });

    expect(demo.environment).toBe('aws://unknown-account/unknown-region');
    Template.fromStack(demo).hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: false }),
      DeletionPolicy: 'Delete',
    });
    Template.fromStack(production).hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: true, MultiAZ: true }),
      DeletionPolicy: 'Snapshot',
    });
  });
});
