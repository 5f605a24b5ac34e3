import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IMDS_TAG_KEY_PATTERN, TagKeys } from '../../lib/contract/tags';
import { AppSource } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { Fleet } from '../../lib/fleet';
import { logicalId, resourcesOf, synthService, testApp } from './helpers';

describe('fleets', () => {
  const defaults = synthService();

  test('GIVEN defaults THEN two groups, both attached to the ONE shared target group', () => {
    const { template, service, stack } = defaults;
    const targetGroupId = logicalId(service.targetGroup, stack);

    const groups = resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties?.TargetGroupARNs).toEqual([{ Ref: targetGroupId }]);
    }
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
  });

  test('GIVEN defaults THEN the groups start empty and never set DesiredCapacity', () => {
    const { template } = defaults;

    for (const [, group] of resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup')) {
      expect(group.Properties).not.toHaveProperty('DesiredCapacity');
      expect(group.Properties?.MinSize).toBe('0');
      expect(group.Properties?.MaxSize).toBe('6');
    }
  });

  test('GIVEN defaults THEN nothing makes CloudFormation wait for instances', () => {
    const { template } = defaults;

    const groups = template.findResources('AWS::AutoScaling::AutoScalingGroup');
    for (const group of Object.values(groups)) {
      expect(group.CreationPolicy).toBeUndefined();
      expect(group.UpdatePolicy ?? {}).not.toHaveProperty('AutoScalingRollingUpdate');
      expect(group.UpdatePolicy ?? {}).not.toHaveProperty('AutoScalingReplacingUpdate');
    }
  });

  test('GIVEN defaults THEN ELB health checks with a grace period', () => {
    defaults.template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', {
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 300,
    });
  });

  test('GIVEN defaults THEN launch templates require IMDSv2, enable metadata tags and encrypt a gp3 root volume', () => {
    const { template } = defaults;

    template.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 't3.micro',
        MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 8, DeleteOnTermination: true },
          },
        ],
      }),
    });
  });

  test('GIVEN defaults THEN the AMI is the latest Amazon Linux 2023 (x86_64) from SSM', () => {
    const parameters = defaults.template.toJSON().Parameters as Record<string, { Default?: string }>;
    const amiDefaults = Object.values(parameters).map((parameter) => parameter.Default);
    expect(amiDefaults).toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64');
  });

  test('GIVEN a Graviton instance type THEN the arm64 Amazon Linux 2023 is chosen', () => {
    const { template } = synthService({
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      rootVolumeSize: Size.gibibytes(20),
    });
    const parameters = template.toJSON().Parameters as Record<string, { Default?: string }>;

    expect(Object.values(parameters).map((parameter) => parameter.Default)).toContain(
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
    );
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 't4g.small',
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 20 }) })],
      }),
    });
  });

  test('GIVEN a machine image THEN it is used', () => {
    const { template } = synthService({
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }),
    });

    expect(JSON.stringify(template.toJSON().Mappings)).toContain('ami-0123456789abcdef0');
  });

  test('GIVEN defaults THEN static tags service and colour propagate at launch, version and role are absent', () => {
    const { template, service } = defaults;

    const tagsByColour = Object.fromEntries(
      resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup').map(([, group]) => {
        const tags = group.Properties?.Tags as { Key: string; Value: string; PropagateAtLaunch: boolean }[];
        const colour = tags.find((tag) => tag.Key === TagKeys.colour)?.Value;
        return [colour, tags];
      }),
    );
    for (const colour of ['blue', 'green']) {
      expect(tagsByColour[colour]).toEqual(
        expect.arrayContaining([
          { Key: TagKeys.service, Value: service.serviceTag, PropagateAtLaunch: true },
          { Key: TagKeys.colour, Value: colour, PropagateAtLaunch: true },
        ]),
      );
    }
    // Tags anywhere in the template: on resources and in launch-template tag specifications.
    const tagKeys = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'Tags' && Array.isArray(value)) value.forEach((tag) => tagKeys.add(tag.Key));
          collect(value);
        }
      }
    };
    collect(template.toJSON().Resources);
    expect(tagKeys).toContain(TagKeys.service);
    expect(tagKeys).not.toContain(TagKeys.version);
    expect(tagKeys).not.toContain(TagKeys.role);
    expect(tagKeys).not.toContain(TagKeys.previousVersion);
  });

  test('GIVEN the tag vocabulary THEN every key set in the template is valid for instance-metadata tags', () => {
    const keys = resourcesOf(defaults.template, 'AWS::AutoScaling::AutoScalingGroup').flatMap(([, group]) =>
      (group.Properties?.Tags as { Key: string }[]).map((tag) => tag.Key),
    );

    expect(keys.length).toBeGreaterThan(0);
    for (const key of [...keys, ...Object.values(TagKeys)]) {
      expect(key).not.toContain('/');
      expect(key).toMatch(IMDS_TAG_KEY_PATTERN);
    }
  });

  test('GIVEN defaults THEN each group scales on its own CPU, never on ALB request count per target', () => {
    const { template } = defaults;

    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 2);
    template.allResourcesProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 60,
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('ALBRequestCountPerTarget');
  });

  test('GIVEN defaults THEN the instance role reads its group, the database secret, and has SSM core', () => {
    const { template, stack, service } = defaults;
    const secretRef = { Ref: Match.stringLikeRegexp('DatabaseInstanceSecretAttachment') };

    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
        }),
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore'],
            ],
          },
        ],
      },
      2,
    );
    const blueRole = logicalId(service.blue.role, stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: blueRole }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'ReadOwnGroupAndVersionTag',
            Effect: 'Allow',
            Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances'],
            Resource: '*',
          },
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: secretRef,
          }),
        ],
      },
    });
  });

  test('GIVEN artifact mode THEN the role may get objects under the key prefix only', () => {
    const { template, service, stack } = synthService({
      application: AppSource.fromArtifactBucket(undefined, { keyPrefix: 'builds/web/', extension: 'zip' }),
    });
    const bucketId = logicalId(service.artifactBucket as never, stack);

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(service.green.role, stack) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ReadReleaseArtifacts',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/builds/web/*']] },
          },
        ]),
      },
    });
  });

  test('GIVEN demo mode THEN no S3 permission is granted', () => {
    expect(JSON.stringify(defaults.template.findResources('AWS::IAM::Policy'))).not.toContain(
      'ReadReleaseArtifacts',
    );
  });

  test('GIVEN defaults THEN the instance security group admits the app port from the ALB security group only', () => {
    const { template, service, stack } = defaults;
    const instanceGroup = logicalId(service.instanceSecurityGroup, stack);
    const albGroup = logicalId(
      service.loadBalancer!.connections.securityGroups[0] as ec2.SecurityGroup,
      stack,
    );

    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, rule]) =>
        JSON.stringify(rule.Properties?.GroupId) ===
        JSON.stringify({ 'Fn::GetAtt': [instanceGroup, 'GroupId'] }),
    );
    expect(ingress.map(([, rule]) => rule.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [albGroup, 'GroupId'] },
      }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Instances of both colours'),
      SecurityGroupIngress: Match.absent(),
    });
    for (const [, launchTemplate] of resourcesOf(template, 'AWS::EC2::LaunchTemplate')) {
      expect(JSON.stringify(launchTemplate)).toContain(instanceGroup);
    }
  });

  test('GIVEN a distinct health-check port THEN the instance security group admits it from the ALB too', () => {
    const { template } = synthService({ healthCheck: { port: 8081 } });

    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 8081, ToPort: 8081 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 8080, ToPort: 8080 });
  });

  test('GIVEN the database THEN user data carries its endpoint, port and secret ARN, never the password', () => {
    const { template } = defaults;

    for (const [, launchTemplate] of resourcesOf(template, 'AWS::EC2::LaunchTemplate')) {
      const userData = JSON.stringify(
        (launchTemplate.Properties?.LaunchTemplateData as { UserData: unknown }).UserData,
      );
      expect(userData).toContain('Endpoint.Address');
      expect(userData).toContain('Endpoint.Port');
      expect(userData).toMatch(/DatabaseInstanceSecretAttachment/);
      expect(userData).not.toContain('resolve:secretsmanager');
      expect(userData.toLowerCase()).not.toContain('password');
    }
  });

  test('GIVEN no database THEN user data carries no database settings', () => {
    const { template } = synthService({ database: DatabaseSource.none() });

    for (const [, launchTemplate] of resourcesOf(template, 'AWS::EC2::LaunchTemplate')) {
      expect(JSON.stringify(launchTemplate)).not.toContain('Endpoint.Address');
    }
  });

  test('GIVEN capacity and scaling props THEN the groups follow them', () => {
    const { template } = synthService({
      minCapacity: 3,
      maxCapacity: 9,
      cpuTargetUtilization: 45,
      healthCheckGracePeriod: Duration.minutes(2),
    });

    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '9',
      HealthCheckGracePeriod: 120,
    });
    template.allResourcesProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: Match.objectLike({ TargetValue: 45 }),
    });
  });

  test('GIVEN a standalone Fleet THEN it exposes its colour, group and launch template', () => {
    const app = testApp();
    const stack = new Stack(app, 'FleetStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', { vpc, port: 8080 });
    const securityGroup = new ec2.SecurityGroup(stack, 'Instances', { vpc });
    const bucket = new s3.Bucket(stack, 'Artifacts');

    const fleet = new Fleet(stack, 'Green', {
      colour: 'green',
      vpc,
      securityGroup,
      targetGroup,
      serviceTag: 'shop',
      maxCapacity: 4,
      application: {
        mode: 'artifact',
        appPort: 8080,
        healthPath: '/health',
        artifact: { bucket, keyPrefix: '', extension: 'tar.gz' },
      },
    });

    expect(fleet.colour).toBe('green');
    expect(fleet.launchTemplate).toBeInstanceOf(ec2.LaunchTemplate);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MaxSize: '4',
      Tags: Match.arrayWith([{ Key: TagKeys.service, Value: 'shop', PropagateAtLaunch: true }]),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadReleaseArtifacts',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(bucket, stack), 'Arn'] }, '/*']] },
          }),
        ]),
      },
    });
  });
});
