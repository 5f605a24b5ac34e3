import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AppSource, BlueGreenService, BlueGreenServiceProps } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { ExistingListenerOptions, loadBalancerFullNameOfListener } from '../../lib/load-balancer';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { PropsValidationError } from '../../lib/validation';
import {
  importedListener,
  logicalId,
  resourcesOf,
  SHARED_ALB_SECURITY_GROUP,
  SHARED_LISTENER_ARN,
  synthService,
  testApp,
} from './helpers';

function shopRule(listener: elbv2.IApplicationListener): ExistingListenerOptions {
  return {
    listener,
    conditions: [
      elbv2.ListenerCondition.hostHeaders(['shop.example.com']),
      elbv2.ListenerCondition.pathPatterns(['/shop/*']),
    ],
    priority: 10,
    url: 'https://shop.example.com/shop/',
  };
}

describe('bring your own load balancer: a rule on an existing listener', () => {
  const imported = synthService((stack) => ({
    existingListener: shopRule(importedListener(stack)),
    database: DatabaseSource.none(),
  }));

  test('GIVEN an existing listener THEN no load balancer, listener or access-logs bucket is created', () => {
    const { template, service } = imported;

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(service.loadBalancer).toBeUndefined();
    expect(service.entryPoint.accessLogsBucket).toBeUndefined();
    expect(service.listener.listenerArn).toBe(SHARED_LISTENER_ARN);
  });

  test('GIVEN host and path conditions and a priority THEN one rule forwards them to the one target group', () => {
    const { template, service, stack } = imported;

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: SHARED_LISTENER_ARN,
      Priority: 10,
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/shop/*'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(service.targetGroup, stack) } }],
    });
    expect(service.entryPoint.listenerRule).toBeDefined();
  });

  test('GIVEN an existing listener THEN both groups attach to the one target group the rule forwards to', () => {
    const { template, service, stack } = imported;

    const groups = resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties?.TargetGroupARNs).toEqual([{ Ref: logicalId(service.targetGroup, stack) }]);
    }
  });

  test("GIVEN an existing listener THEN the instances admit the application port from the listener's security group only", () => {
    const { template, service, stack } = imported;
    const instanceGroup = { 'Fn::GetAtt': [logicalId(service.instanceSecurityGroup, stack), 'GroupId'] };

    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').map(
      ([, rule]) => rule.Properties,
    );
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: instanceGroup,
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: SHARED_ALB_SECURITY_GROUP,
      }),
    ]);
  });

  test("GIVEN the listener's security group limits outbound traffic THEN it gets an egress rule to the instances", () => {
    const { template, service, stack } = synthService((s) => ({
      existingListener: shopRule(importedListener(s, false)),
      database: DatabaseSource.none(),
      healthCheck: { port: 8081 },
    }));
    const instanceGroup = { 'Fn::GetAtt': [logicalId(service.instanceSecurityGroup, stack), 'GroupId'] };

    for (const port of [8080, 8081]) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: SHARED_ALB_SECURITY_GROUP,
        DestinationSecurityGroupId: instanceGroup,
        FromPort: port,
        ToPort: port,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: instanceGroup,
        SourceSecurityGroupId: SHARED_ALB_SECURITY_GROUP,
        FromPort: port,
      });
    }
  });

  test('GIVEN a url THEN it is the Url output; without one there is no Url output', () => {
    expect(imported.service.url).toBe('https://shop.example.com/shop/');
    imported.template.hasOutput('*', { Value: 'https://shop.example.com/shop/' });

    const { template, service } = synthService((stack) => ({
      existingListener: { ...shopRule(importedListener(stack)), url: undefined },
      database: DatabaseSource.none(),
    }));
    expect(service.url).toBeUndefined();
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.includes('Url'))).toEqual([]);
  });

  test("GIVEN an existing listener THEN the release workflow gets the target group, its health check and the listener's load balancer metrics", () => {
    const { template, service, stack } = imported;

    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 5,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TARGET_GROUP_ARN: { Ref: logicalId(service.targetGroup, stack) },
          POLL_SECONDS: '5',
        }),
      },
    });
    expect(stack.resolve(service.metricLoadBalancer5xxCount().dimensions)).toEqual({
      LoadBalancer: 'app/shared/50dc6c495c0c9188',
    });
    expect(stack.resolve(service.metricRequestCount().dimensions)).toEqual({
      LoadBalancer: 'app/shared/50dc6c495c0c9188',
      TargetGroup: { 'Fn::GetAtt': [logicalId(service.targetGroup, stack), 'TargetGroupFullName'] },
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  });

  test('GIVEN an artifact bucket to create THEN its server access logs go to a logs bucket of the service', () => {
    const { template, service, stack } = synthService((s) => ({
      existingListener: shopRule(importedListener(s)),
      database: DatabaseSource.none(),
      application: AppSource.fromArtifactBucket(),
    }));
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');

    expect(buckets).toHaveLength(2);
    const logs = buckets.find(([id]) => id.startsWith('ServiceServerAccessLogs'));
    expect(logs).toBeDefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logs![0] }, LogFilePrefix: 'artifact-bucket/' },
    });
    expect(service.artifactBucket).toBeInstanceOf(s3.Bucket);
    expect(logicalId(service.artifactBucket as s3.Bucket, stack)).not.toBe(logs![0]);
  });

  test('GIVEN two services on one listener of a load balancer in the same stack THEN two rules, no new load balancer, each group admitted from its security group', () => {
    const app = testApp();
    const stack = new Stack(app, 'Shared');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    const listener = alb.addListener('Http', {
      port: 80,
      defaultAction: elbv2.ListenerAction.fixedResponse(404),
    });
    const shop = new BlueGreenService(stack, 'Shop', {
      vpc,
      database: DatabaseSource.none(),
      existingListener: {
        listener,
        conditions: [elbv2.ListenerCondition.hostHeaders(['shop.example.com'])],
        priority: 10,
      },
    });
    const blog = new BlueGreenService(stack, 'Blog', {
      vpc,
      database: DatabaseSource.none(),
      existingListener: {
        listener,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/blog/*'])],
        priority: 20,
      },
    });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
    const albGroup = {
      'Fn::GetAtt': [logicalId(alb.connections.securityGroups[0] as ec2.SecurityGroup, stack), 'GroupId'],
    };
    for (const [service, priority] of [
      [shop, 10],
      [blog, 20],
    ] as const) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
        Priority: priority,
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(service.targetGroup, stack) } }],
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [logicalId(service.instanceSecurityGroup, stack), 'GroupId'] },
        SourceSecurityGroupId: albGroup,
        FromPort: 8080,
      });
      expect(stack.resolve(service.metricLoadBalancer5xxCount().dimensions)).toEqual({
        LoadBalancer: expect.objectContaining({ 'Fn::Join': expect.anything() }),
      });
    }
  });
});

describe('bring your own load balancer: validation', () => {
  function problemsOf(props: (stack: Stack) => BlueGreenServiceProps): readonly string[] {
    try {
      synthService(props);
    } catch (error) {
      if (error instanceof PropsValidationError) return error.problems;
      throw error;
    }
    throw new Error('expected a PropsValidationError, got none');
  }

  test.each([
    [0, 'existingListener.priority (0) must be a whole number between 1 and 50000'],
    [50001, 'existingListener.priority (50001) must be a whole number between 1 and 50000'],
    [2.5, 'existingListener.priority (2.5) must be a whole number between 1 and 50000'],
  ])('GIVEN priority %p THEN synth fails naming it', (priority, message) => {
    expect(
      problemsOf((stack) => ({
        existingListener: { ...shopRule(importedListener(stack)), priority },
        database: DatabaseSource.none(),
      })),
    ).toEqual([message]);
  });

  test('GIVEN no condition THEN synth fails: the rule would not say which requests are this service’s', () => {
    expect(
      problemsOf((stack) => ({
        existingListener: { ...shopRule(importedListener(stack)), conditions: [] },
        database: DatabaseSource.none(),
      })),
    ).toEqual([
      expect.stringMatching(/^existingListener\.conditions \(\[\]\) must name at least one condition/),
    ]);
  });

  test('GIVEN settings of a load balancer to create as well THEN ONE error names each of them and its value', () => {
    const problems = problemsOf((stack) => ({
      existingListener: { ...shopRule(importedListener(stack)), priority: 0 },
      internetFacing: false,
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      ),
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      accessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'my-logs'),
      database: DatabaseSource.create({ allocatedStorage: 10 }),
    }));

    const conflict =
      'configures a load balancer this construct creates: it cannot be combined with existingListener';
    expect(problems).toEqual([
      'existingListener.priority (0) must be a whole number between 1 and 50000',
      `internetFacing (false) ${conflict}, whose load balancer keeps its own settings`,
      `certificate (TestStack/Cert) ${conflict}, whose load balancer keeps its own settings`,
      `sslPolicy ("${elbv2.SslPolicy.RECOMMENDED_TLS}") ${conflict}, whose load balancer keeps its own settings`,
      `accessLogsBucket (TestStack/Logs) ${conflict}, whose load balancer keeps its own settings`,
      'database.allocatedStorage (10) must be a whole number between 20 and 65536',
    ]);
  });

  test('GIVEN a priority from a Token THEN synth passes and the rule takes it', () => {
    const { template } = synthService((stack) => ({
      existingListener: {
        ...shopRule(importedListener(stack)),
        priority: new CfnParameter(stack, 'Priority', { type: 'Number' }).valueAsNumber,
      },
      database: DatabaseSource.none(),
    }));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: { Ref: 'Priority' },
    });
  });
});

describe('loadBalancerFullNameOfListener', () => {
  test('GIVEN a concrete listener ARN THEN app/<name>/<id>, as the LoadBalancer dimension names it', () => {
    const stack = new Stack(testApp(), 'Names');
    expect(stack.resolve(loadBalancerFullNameOfListener(SHARED_LISTENER_ARN))).toBe(
      'app/shared/50dc6c495c0c9188',
    );
  });

  test('GIVEN a listener ARN from a Token THEN the same parts, selected at deploy time', () => {
    const stack = new Stack(testApp(), 'Tokens');
    const arn = new CfnParameter(stack, 'ListenerArn').valueAsString;
    const split = { 'Fn::Split': ['/', { Ref: 'ListenerArn' }] };
    expect(stack.resolve(loadBalancerFullNameOfListener(arn))).toEqual({
      'Fn::Join': [
        '/',
        [{ 'Fn::Select': [1, split] }, { 'Fn::Select': [2, split] }, { 'Fn::Select': [3, split] }],
      ],
    });
  });
});

describe('bring your own load balancer: rehearsal', () => {
  test('GIVEN a service on an existing listener WHEN two versions are released in the rehearsal THEN both succeed with no violation', async () => {
    const { template } = synthService((stack) => ({
      existingListener: shopRule(importedListener(stack)),
      database: DatabaseSource.none(),
    }));
    const rehearsal = Rehearsal.fromTemplate(template.toJSON() as CfnTemplate);

    expect(rehearsal.service.targetGroups).toHaveLength(1);
    expect((await rehearsal.execute({ version: '1.0.0' })).status).toBe('SUCCEEDED');
    expect((await rehearsal.execute({ version: '1.1.0' })).status).toBe('SUCCEEDED');
    expect(rehearsal.violations()).toEqual([]);
  });
});
