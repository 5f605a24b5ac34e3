#!/usr/bin/env node
import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppSource } from '../lib/blue-green-service';
import { DatabaseSource } from '../lib/database';
import { DemoStack, ServiceStack } from './example-stacks';

const app = new App();

// Every stack is environment-agnostic: synth works offline, without credentials.
new DemoStack(app, 'BlueGreenDemo', {
  description: 'Blue/green EC2 demo: every default, throwaway database',
});

// The same construct twice, with the props of each environment. Both run the artifact that CI
// uploads to their own bucket as releases/<version>.tar.gz.
new ServiceStack(app, 'BlueGreenStaging', {
  description: 'Blue/green EC2 service: staging',
  service: {
    application: AppSource.fromArtifactBucket(undefined, { keyPrefix: 'releases/', extension: 'tar.gz' }),
    minCapacity: 1,
    maxCapacity: 2,
    bakeTime: Duration.minutes(2),
    database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
  },
});

// Production: Multi-AZ database kept on deletion (snapshot, deletion protection: the defaults),
// larger instances, more capacity, a longer bake. HTTPS needs a certificate of the target
// account (`certificate: acm.Certificate.fromCertificateArn(...)`); the example keeps HTTP so
// that it synthesizes anywhere.
new ServiceStack(app, 'BlueGreenProduction', {
  description: 'Blue/green EC2 service: production',
  service: {
    application: AppSource.fromArtifactBucket(undefined, { keyPrefix: 'releases/', extension: 'tar.gz' }),
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
    minCapacity: 2,
    maxCapacity: 10,
    defaultCapacity: 3,
    bakeTime: Duration.minutes(15),
    healthTimeout: Duration.minutes(20),
    database: DatabaseSource.create({
      multiAz: true,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.SMALL),
      backupRetention: Duration.days(14),
    }),
  },
});

// `cdk synth -c nag=true` runs the AWS Solutions checks on every stack.
if (app.node.tryGetContext('nag') === 'true' || app.node.tryGetContext('nag') === true) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
