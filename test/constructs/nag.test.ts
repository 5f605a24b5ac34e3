import { PolicyViolation, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppSource, BlueGreenService, BlueGreenServiceProps } from '../../lib/blue-green-service';
import { DatabaseSource } from '../../lib/database';
import { testApp } from './helpers';

/**
 * cdk-nag 3 is a policy-validation plugin: suppressions are `Validations.of(x).acknowledge(...)`
 * and `validateScope` reports what is left. Errors and warnings are both reported.
 * Every resource of the service, the release workflow included, must come out clean.
 */
function findings(props: (stack: Stack) => BlueGreenServiceProps): { errors: string[]; warnings: string[] } {
  const app = testApp();
  const stack = new Stack(app, 'NagStack');
  new BlueGreenService(stack, 'Service', props(stack));
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  const describe = (violation: PolicyViolation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`);
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

  test('GIVEN the throwaway database of the demo THEN no errors and no warnings', () => {
    const { errors, warnings } = findings(() => ({
      database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
    }));

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
