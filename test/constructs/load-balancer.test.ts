import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ReleaseLoadBalancer } from '../../lib/load-balancer';
import { logicalId, resourcesOf, synthService, testApp } from './helpers';

const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

describe('load balancer', () => {
  test('GIVEN defaults THEN one internet-facing ALB drops invalid headers and logs to the access-logs bucket', () => {
    const { template, service, stack } = synthService();

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        {
          Key: 'access_logs.s3.bucket',
          Value: { Ref: logicalId(service.entryPoint.accessLogsBucket as never, stack) },
        },
        { Key: 'access_logs.s3.prefix', Value: 'load-balancer' },
      ]),
    });
  });

  test('GIVEN defaults THEN the access-logs bucket is SSE-S3 encrypted, SSL-only and private', () => {
    const { template, service, stack } = synthService();
    const bucketId = logicalId(service.entryPoint.accessLogsBucket as never, stack);

    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // Both writers of the logs: the region's ELB account and the log-delivery service.
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: { AWS: Match.anyValue(), Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [bucketId, 'Arn'] },
                  '/load-balancer/AWSLogs/',
                  { Ref: 'AWS::AccountId' },
                  '/*',
                ],
              ],
            },
          }),
        ]),
      },
    });
  });

  test('GIVEN an environment-agnostic stack THEN the ELB log account is looked up per region at deploy time', () => {
    const { template } = synthService();
    const json = template.toJSON();

    expect(json.Mappings.ElbAccessLogAccounts['us-east-1']).toEqual({ account: '127311923021' });
    expect(json.Mappings.ElbAccessLogAccounts['ap-southeast-7']).toEqual({ account: 'none' });
    expect(Object.keys(json.Conditions)).toContain('ElbAccessLogAccountInRegion');
  });

  test('GIVEN a stack with a region THEN the CDK access-log policy for that region is used', () => {
    const app = testApp();
    const stack = new Stack(app, 'Regional', { env: { region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new ReleaseLoadBalancer(stack, 'Entry', { vpc, targetPort: 8080 });
    const template = Template.fromStack(stack);

    expect(template.toJSON().Mappings).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::156460612806:root'])] } },
          }),
        ]),
      },
    });
  });

  test('GIVEN defaults THEN ONE target group with the fast-release health check defaults', () => {
    const { template } = synthService();

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'instance',
      HealthCheckPath: '/health',
      HealthCheckPort: 'traffic-port',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('GIVEN health check overrides THEN the target group uses them', () => {
    const { template } = synthService({
      appPort: 3000,
      healthCheck: {
        path: '/ready',
        port: 3001,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(6),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 4,
        healthyHttpCodes: '200-299',
      },
      deregistrationDelay: Duration.seconds(0),
    });

    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      HealthCheckPath: '/ready',
      HealthCheckPort: '3001',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 4,
      Matcher: { HttpCode: '200-299' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }]),
    });
  });

  test('GIVEN no certificate THEN one HTTP listener on port 80 forwards to the target group', () => {
    const { template, service, stack } = synthService();

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(service.targetGroup, stack) } }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 })],
    });
  });

  test('GIVEN a certificate THEN HTTPS on 443 forwards and HTTP on 80 redirects to it', () => {
    const { template, service, stack } = synthService((s) => ({
      certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN),
    }));

    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT_ARN }],
      SslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(service.targetGroup, stack) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    expect(service.listener.node.id).toBe('HttpsListener');
    expect(service.url).toMatch(/^https:\/\//);
  });

  test('GIVEN internetFacing false THEN the ALB is internal and admits the VPC CIDR only', () => {
    const { template } = synthService({ internetFacing: false });

    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    const albGroups = resourcesOf(template, 'AWS::EC2::SecurityGroup').filter(([id]) =>
      id.includes('LoadBalancer'),
    );
    expect(albGroups).toHaveLength(1);
    const ingress = albGroups[0][1].Properties?.SecurityGroupIngress as Record<string, unknown>[];
    expect(ingress).toEqual([
      expect.objectContaining({
        CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/^ServiceVpc/), 'CidrBlock'] },
      }),
    ]);
  });

  test('GIVEN a standalone ReleaseLoadBalancer THEN it exposes its parts', () => {
    const app = testApp();
    const stack = new Stack(app, 'Standalone');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const entry = new ReleaseLoadBalancer(stack, 'Entry', { vpc, targetPort: 9000 });

    expect(entry.targetGroup).toBeInstanceOf(elbv2.ApplicationTargetGroup);
    expect(entry.redirectListener).toBeUndefined();
    expect(entry.healthCheckInterval.toSeconds()).toBe(5);
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 9000,
    });
  });

  test("GIVEN a standalone ReleaseLoadBalancer on an existing listener THEN a rule and a target group, its connections the listener's", () => {
    const app = testApp();
    const stack = new Stack(app, 'OnExisting');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const albGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'AlbGroup', 'sg-0a1b2c3d4e5f60718');
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
      listenerArn:
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2',
      securityGroup: albGroup,
    });
    const entry = new ReleaseLoadBalancer(stack, 'Entry', {
      vpc,
      targetPort: 9000,
      existingListener: {
        listener,
        conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*'])],
        priority: 7,
      },
    });
    const template = Template.fromStack(stack);

    expect(entry.loadBalancer).toBeUndefined();
    expect(entry.url).toBeUndefined();
    expect(entry.listener).toBe(listener);
    expect(entry.connections.securityGroups).toEqual([albGroup]);
    expect(stack.resolve(entry.loadBalancerFullName)).toBe('app/shared/50dc6c495c0c9188');
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 7,
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(entry.targetGroup, stack) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 9000 });
  });
});
