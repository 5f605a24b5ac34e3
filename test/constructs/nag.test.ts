import { Duration, PolicyViolation, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppSource, BlueGreenService, BlueGreenServiceProps } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { importedListener, testApp } from './helpers';

/**
 * cdk-nag 3 is a policy-validation plugin: suppressions are `Validations.of(x).acknowledge(...)`
 * and `validateScope` reports what is left. Errors and warnings are both reported.
 * Every resource of the service, the release workflow included, must come out clean.
 */
function findings(
  props: (stack: Stack) => BlueGreenServiceProps,
  /** Paths of the test's own resources, not the service's, whose findings are not the library's. */
  ignoredPaths: readonly string[] = [],
): { errors: string[]; warnings: string[] } {
  const app = testApp();
  const stack = new Stack(app, 'NagStack');
  new BlueGreenService(stack, 'Service', props(stack));
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  const describe = (violation: PolicyViolation) =>
    violation.violatingResources
      .filter((resource) => !ignoredPaths.some((path) => resource.constructPath?.startsWith(path)))
      .map((resource) => `${violation.ruleName} at ${resource.constructPath}`);
  return {
    errors: report.violations.filter((v) => v.severity === 'error').flatMap(describe),
    warnings: report.violations.filter((v) => v.severity !== 'error').flatMap(describe),
  };
}

describe('cdk-nag AwsSolutions', () => {
  test('GIVEN defaults THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(() => ({}));

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN artifact mode, HTTPS, an existing VPC, approvals and own alarms THEN no errors and no warnings', () => {
    const { errors, warnings } = findings((stack) => ({
      vpc: new ec2.Vpc(stack, 'Shared', {
        maxAzs: 2,
        natGateways: 1,
        flowLogs: { FlowLog: { trafficType: ec2.FlowLogTrafficType.ALL } },
      }),
      application: AppSource.fromArtifactBucket(undefined, { keyPrefix: 'builds/' }),
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      ),
      approval: { gates: ['swap', 'finalize'] },
      rollbackAlarms: [
        cloudwatch.Alarm.fromAlarmArn(
          stack,
          'Orders',
          'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders',
        ),
      ],
    }));

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN a canary THEN no errors and no warnings (the bake watcher now reads the fleet)', () => {
    const { errors, warnings } = findings(() => ({
      canary: { instances: 1, duration: Duration.minutes(5) },
    }));

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN release hooks (a function of the stack and an imported one) THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(
      (stack) => {
        const migrations = new lambda.Function(stack, 'Migrations', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
        });
        const smokeTests = lambda.Function.fromFunctionArn(
          stack,
          'SmokeTests',
          'arn:aws:lambda:eu-west-1:123456789012:function:smoke-tests',
        );
        return {
          hooks: {
            beforeTraffic: { function: migrations },
            afterTraffic: { function: smokeTests },
            beforeFinalize: { function: smokeTests },
            afterFinalize: { function: migrations },
          },
        };
      },
      // The test's own hook function is the user's, not the library's.
      ['NagStack/Migrations'],
    );

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN pre-traffic validation with smoke checks and a user validator THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(
      (stack) => ({
        validation: {
          checks: [{ path: '/smoke', bodyIncludes: 'ok' }],
          function: new lambda.Function(stack, 'Validator', {
            runtime: lambda.Runtime.NODEJS_22_X,
            handler: 'index.handler',
            code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
          }),
        },
      }),
      // The test's own validator function is the user's, not the library's.
      ['NagStack/Validator'],
    );

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN the throwaway database of the demo THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(() => ({
      database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
    }));

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN an existing listener of a load balancer in another stack, artifact mode THEN no errors and no warnings', () => {
    const { errors, warnings } = findings((stack) => ({
      existingListener: {
        listener: importedListener(stack),
        conditions: [elbv2.ListenerCondition.hostHeaders(['shop.example.com'])],
        priority: 10,
      },
      application: AppSource.fromArtifactBucket(),
    }));

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN an existing listener of a load balancer in the same stack THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(
      (stack) => {
        const vpc = new ec2.Vpc(stack, 'Shared', {
          maxAzs: 2,
          natGateways: 1,
          flowLogs: { FlowLog: { trafficType: ec2.FlowLogTrafficType.ALL } },
        });
        const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: false });
        const listener = alb.addListener('Http', {
          port: 80,
          open: false,
          defaultAction: elbv2.ListenerAction.fixedResponse(404),
        });
        return {
          vpc,
          existingListener: {
            listener,
            conditions: [elbv2.ListenerCondition.pathPatterns(['/shop/*'])],
            priority: 5,
          },
        };
      },
      ['NagStack/Alb'],
    );

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN an acknowledgement removed THEN nag reports it (the checks really run)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Unacknowledged');
    const vpc = new ec2.Vpc(stack, 'NoFlowLogs', { maxAzs: 2, natGateways: 1 });
    new BlueGreenService(stack, 'Service', { vpc });

    const report = new AwsSolutionsChecks(undefined).validateScope(stack);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-VPC7');
  });
});
