/**
 * A construct-only consumer: the service with the props that reach other aws-cdk-lib types
 * (alarms, roles, a bucket), the public types named in its props, and a synth of the app. The
 * Shop stack holds two services (Shop from an artifact bucket, Admin the demo app), which the
 * consumer check rehearses through the installed `bluegreen` CLI, picking one with --service.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AppSource,
  BlueGreenService,
  DatabaseSource,
  isValidVersion,
  type ApprovalGate,
  type ApprovalOptions,
  type AppMode,
  type BlueGreenServiceProps,
  type Colour,
} from 'cdk-blue-green-ec2';

export function shopStack(app: App): Stack {
  const stack = new Stack(app, 'Shop');
  const ordersFailing = new cloudwatch.Alarm(stack, 'OrdersFailing', {
    metric: new cloudwatch.Metric({ namespace: 'Shop', metricName: 'OrdersFailed' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  const gates: ApprovalGate[] = ['swap'];
  const approval: ApprovalOptions = { gates, timeout: Duration.hours(2) };
  const props: BlueGreenServiceProps = {
    application: AppSource.fromArtifactBucket(new s3.Bucket(stack, 'Releases'), { keyPrefix: 'releases/' }),
    minCapacity: 2,
    maxCapacity: 4,
    rollbackAlarms: [ordersFailing],
    approval,
    database: DatabaseSource.none(),
  };
  const service = new BlueGreenService(stack, 'Shop', props);
  // The second service validates its launches: the shipped validator bundle is synthesized too.
  new BlueGreenService(stack, 'Admin', {
    serviceTag: 'shop-admin',
    database: DatabaseSource.none(),
    validation: { checks: [{ path: '/', expectedStatus: 200 }] },
  });
  service.grantOperate(new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() }));
  service.metricRollbacks().createAlarm(stack, 'Rollbacks', { threshold: 1, evaluationPeriods: 1 });

  const mode: AppMode = service.blue.colour === 'blue' ? 'artifact' : 'demo';
  const colour: Colour = service.green.colour;
  if (mode !== 'artifact' || colour !== 'green' || !isValidVersion('1.0.0')) throw new Error('unexpected');
  return stack;
}

if (require.main === module) {
  const app = new App();
  shopStack(app);
  app.synth();
}
