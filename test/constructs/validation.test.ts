import { CfnParameter, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AppSource,
  BlueGreenService,
  BlueGreenServiceProps,
  maxCommandsBytes,
} from '../../lib/blue-green-service';
import { DatabaseSource, ServiceDatabase } from '../../lib/database';
import { ReleaseLoadBalancer } from '../../lib/load-balancer';
import { PropsValidationError, PropsValidator, wildcardResourceFinding } from '../../lib/validation';
import { synthService, testApp } from './helpers';

/** WHEN a service is built with `props` THEN the error it throws (or undefined). */
function errorOf(
  props: BlueGreenServiceProps | ((stack: Stack) => BlueGreenServiceProps),
): PropsValidationError {
  try {
    synthService(props);
  } catch (error) {
    if (error instanceof PropsValidationError) return error;
    throw error;
  }
  throw new Error('expected a PropsValidationError, got none');
}

const secret = (stack: Stack) =>
  secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    'S',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
  );

describe('prop validation: one rule each', () => {
  test.each<[string, BlueGreenServiceProps | ((stack: Stack) => BlueGreenServiceProps), string]>([
    ['minCapacity range', { minCapacity: 0 }, 'minCapacity (0) must be a whole number between 1 and 1000'],
    [
      'minCapacity whole',
      { minCapacity: 1.5 },
      'minCapacity (1.5) must be a whole number between 1 and 1000',
    ],
    ['maxCapacity range', { maxCapacity: 0 }, 'maxCapacity (0) must be a whole number between 1 and 1000'],
    [
      'defaultCapacity range',
      { defaultCapacity: 0 },
      'defaultCapacity (0) must be a whole number between 1 and 1000',
    ],
    ['min <= max', { minCapacity: 5, maxCapacity: 3 }, 'minCapacity (5) must be <= maxCapacity (3)'],
    [
      'min <= default',
      { minCapacity: 3, defaultCapacity: 2 },
      'minCapacity (3) must be <= defaultCapacity (2)',
    ],
    [
      'default <= max',
      { maxCapacity: 4, defaultCapacity: 5 },
      'defaultCapacity (5) must be <= maxCapacity (4)',
    ],
    [
      'healthTimeout range',
      { healthTimeout: Duration.seconds(30) },
      'healthTimeout (30 s) must be a whole number of seconds between 60 and 86400 seconds',
    ],
    [
      'bakeTime range',
      { bakeTime: Duration.days(2) },
      'bakeTime (172800 s) must be a whole number of seconds between 0 and 86400 seconds',
    ],
    [
      'healthCheck.interval range',
      { healthCheck: { interval: Duration.seconds(2) } },
      'healthCheck.interval (2 s) must be a whole number of seconds between 5 and 300 seconds',
    ],
    [
      'healthCheck.timeout range',
      { healthCheck: { timeout: Duration.seconds(1) } },
      'healthCheck.timeout (1 s) must be a whole number of seconds between 2 and 120 seconds',
    ],
    [
      'healthCheck.timeout < interval',
      { healthCheck: { interval: Duration.seconds(10), timeout: Duration.seconds(10) } },
      'healthCheck.timeout (10 s) must be less than healthCheck.interval (10 s)',
    ],
    [
      'healthCheck.timeout < default interval',
      { healthCheck: { timeout: Duration.seconds(6) } },
      'healthCheck.timeout (6 s) must be less than healthCheck.interval (5 s)',
    ],
    [
      'healthyThresholdCount range',
      { healthCheck: { healthyThresholdCount: 1 } },
      'healthCheck.healthyThresholdCount (1) must be a whole number between 2 and 10',
    ],
    [
      'unhealthyThresholdCount range',
      { healthCheck: { unhealthyThresholdCount: 11 } },
      'healthCheck.unhealthyThresholdCount (11) must be a whole number between 2 and 10',
    ],
    [
      'healthCheck.port range',
      { healthCheck: { port: 70000 } },
      'healthCheck.port (70000) must be a whole number',
    ],
    [
      'healthCheck.path form',
      { healthCheck: { path: 'health' } },
      'healthCheck.path ("health") must be an absolute URL path',
    ],
    [
      'healthyHttpCodes form',
      { healthCheck: { healthyHttpCodes: 'ok' } },
      'healthCheck.healthyHttpCodes ("ok") must be HTTP codes',
    ],
    [
      'deregistrationDelay range',
      { deregistrationDelay: Duration.seconds(3601) },
      'deregistrationDelay (3601 s) must be a whole number of seconds between 0 and 3600 seconds',
    ],
    ['appPort range', { appPort: 0 }, 'appPort (0) must be a whole number between 1 and 65535'],
    [
      'sslPolicy without certificate',
      { sslPolicy: elbv2.SslPolicy.TLS13_RES },
      'sslPolicy ("ELBSecurityPolicy-TLS13-1-2-Res-2021-06") needs certificate',
    ],
    [
      'cpuTargetUtilization range',
      { cpuTargetUtilization: 95 },
      'cpuTargetUtilization (95) must be a whole number between 10 and 90',
    ],
    [
      'healthCheckGracePeriod range',
      { healthCheckGracePeriod: Duration.hours(3) },
      'healthCheckGracePeriod (10800 s) must be a whole number of seconds between 0 and 7200 seconds',
    ],
    [
      'rootVolumeSize range',
      { rootVolumeSize: Size.gibibytes(0) },
      'rootVolumeSize (0 GiB) must be a whole number of GiB',
    ],
    [
      'artifact keyPrefix form',
      { application: AppSource.fromArtifactBucket(undefined, { keyPrefix: '/releases' }) },
      'application keyPrefix ("/releases") must be letters, digits',
    ],
    [
      'artifact extension form',
      { application: AppSource.fromArtifactBucket(undefined, { extension: 'rar' }) },
      'application extension ("rar") must be one of tar.gz, tgz, zip',
    ],
    [
      'empty commands',
      { application: AppSource.fromCommands('  \n') },
      'application commands ("  \\n") must not be empty',
    ],
    [
      'too long commands',
      { application: AppSource.fromCommands('echo hi\n'.repeat(2000)) },
      `application commands (16000 bytes) must be at most ${maxCommandsBytes()} bytes`,
    ],
    [
      'database.backupRetention range',
      { database: DatabaseSource.create({ backupRetention: Duration.days(3) }) },
      'database.backupRetention (3 days) must be a whole number of days between 7 and 35',
    ],
    [
      'database.allocatedStorage range',
      { database: DatabaseSource.create({ allocatedStorage: 10 }) },
      'database.allocatedStorage (10) must be a whole number between 20 and 65536',
    ],
    [
      'database storage order',
      { database: DatabaseSource.create({ allocatedStorage: 200, maxAllocatedStorage: 100 }) },
      'database.allocatedStorage (200) must be <= maxAllocatedStorage (100)',
    ],
    [
      'database.databaseName form',
      { database: DatabaseSource.create({ databaseName: 'my-db' }) },
      'database.databaseName ("my-db") must be a letter followed by',
    ],
    [
      'database removal conflicts with deletion protection',
      { database: DatabaseSource.create({ removalPolicy: RemovalPolicy.DESTROY }) },
      'database.removalPolicy (destroy) conflicts with deletionProtection (true, the default)',
    ],
    [
      'existing database port',
      (stack) => ({
        database: DatabaseSource.fromExisting({ endpoint: 'db.internal', port: 0, secret: secret(stack) }),
      }),
      'database.existing.port (0) must be a whole number between 1 and 65535',
    ],
    [
      'existing database endpoint',
      (stack) => ({
        database: DatabaseSource.fromExisting({ endpoint: 'db internal', port: 5432, secret: secret(stack) }),
      }),
      'database.existing.endpoint ("db internal") must be a host name',
    ],
    [
      'VPC without private subnets',
      (stack) => ({
        vpc: new ec2.Vpc(stack, 'PublicOnly', {
          maxAzs: 2,
          natGateways: 0,
          subnetConfiguration: [
            { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
            { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          ],
        }),
      }),
      'vpc (TestStack/PublicOnly) has no private subnets with egress: set instanceSubnets',
    ],
    [
      'serviceTag form',
      { serviceTag: 'my service/1' },
      'serviceTag ("my service/1") must be at most 128 letters',
    ],
  ])('GIVEN %s THEN synth fails naming the prop and value', (_rule, props, message) => {
    const error = errorOf(props);

    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(message);
    expect(error.message).toContain('TestStack/Service');
  });
});

describe('prop validation: collected problems, Tokens, advisories', () => {
  test('GIVEN several invalid props THEN ONE error lists every problem', () => {
    const error = errorOf({
      minCapacity: 5,
      maxCapacity: 3,
      healthCheck: { interval: Duration.seconds(2), timeout: Duration.seconds(1) },
      appPort: 70000,
      database: DatabaseSource.create({ backupRetention: Duration.days(1) }),
      cpuTargetUtilization: 95,
    });

    // The service's own rules, then those the load balancer, the database and the fleets own.
    expect(error.problems).toEqual([
      'minCapacity (5) must be <= maxCapacity (3)',
      'appPort (70000) must be a whole number between 1 and 65535',
      'healthCheck.interval (2 s) must be a whole number of seconds between 5 and 300 seconds',
      'healthCheck.timeout (1 s) must be a whole number of seconds between 2 and 120 seconds',
      'database.backupRetention (1 days) must be a whole number of days between 7 and 35',
      'cpuTargetUtilization (95) must be a whole number between 10 and 90',
    ]);
    expect(error.message).toMatch(/^Invalid props for TestStack\/Service \(6 problems\):\n {2}- minCapacity/);
  });

  test('GIVEN Tokens for every validated value THEN synth passes', () => {
    expect(() =>
      synthService((stack) => {
        const number = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
        const text = (id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;
        return {
          minCapacity: number('Min'),
          maxCapacity: number('Max'),
          defaultCapacity: number('DefaultCapacity'),
          appPort: number('Port'),
          cpuTargetUtilization: number('Cpu'),
          healthCheck: {
            path: text('Path'),
            healthyThresholdCount: number('Healthy'),
            unhealthyThresholdCount: number('Unhealthy'),
          },
          deregistrationDelay: Duration.seconds(number('Deregistration')),
          serviceTag: text('Tag'),
          database: DatabaseSource.create({
            backupRetention: Duration.days(number('Retention')),
            allocatedStorage: number('Storage'),
            databaseName: text('DbName'),
          }),
        };
      }),
    ).not.toThrow();
  });

  test('GIVEN healthTimeout and bakeTime as Tokens in seconds THEN synth passes: the steps read them at run time and the execution timeout allows the longest a request may ask for', () => {
    let stack!: Stack;
    expect(() =>
      synthService((s) => {
        stack = s;
        const seconds = (id: string) =>
          Duration.seconds(new CfnParameter(s, id, { type: 'Number' }).valueAsNumber);
        return { healthTimeout: seconds('HealthTimeout'), bakeTime: seconds('Bake') };
      }),
    ).not.toThrow();
    const template = Template.fromStack(stack);
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    // 86,400 s health timeout + 86,400 s bake (the longest a request may ask for) + 2 h.
    expect(JSON.stringify(machine.Properties.DefinitionString)).toMatch(/\\"TimeoutSeconds\\":180000\}/);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.HEALTH_TIMEOUT_SECONDS !== undefined,
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.HEALTH_TIMEOUT_SECONDS).toEqual({ Ref: 'HealthTimeout' });
      expect(fn.Properties.Environment.Variables.BAKE_SECONDS).toEqual({ Ref: 'Bake' });
    }
  });

  test('GIVEN healthTimeout as a Token in minutes THEN synth fails naming the prop', () => {
    expect(() =>
      synthService((s) => ({
        healthTimeout: Duration.minutes(new CfnParameter(s, 'Minutes', { type: 'Number' }).valueAsNumber),
      })),
    ).toThrow(/healthTimeout \(.*\) comes from a token: give it as Duration.seconds\(token\)/);
  });

  test('GIVEN 2 × maxCapacity above the default target quota (1,000) THEN synth fails naming both', () => {
    expect(() => synthService({ maxCapacity: 501 })).toThrow(
      /2 × maxCapacity \(1002\) must be <= targetQuota \(1000\): both colours are registered in the one target group/,
    );
  });

  test('GIVEN a declared raised target quota THEN 1,000 per colour passes; a quota that is not a whole number is refused', () => {
    expect(() => synthService({ maxCapacity: 1000, targetQuota: 2000 })).not.toThrow();
    expect(() => synthService({ maxCapacity: 500 })).not.toThrow();
    expect(() => synthService({ targetQuota: 1.5 })).toThrow(
      /targetQuota \(1.5\) must be a whole number between 2 and 1000000/,
    );
  });

  test('GIVEN Token durations, numbers and strings THEN the validator skips them', () => {
    const stack = new Stack(testApp(), 'Tokens');
    const number = new CfnParameter(stack, 'Number', { type: 'Number' }).valueAsNumber;
    const text = new CfnParameter(stack, 'Text').valueAsString;
    const validator = new PropsValidator(stack);

    validator.secondsBetween('interval', Duration.seconds(number), 5, 300);
    validator.secondsBetween('delay', Duration.millis(number), 0, 3600);
    validator.integerBetween('port', number, 1, 65535);
    validator.notGreaterThan('min', number, 'max', 3);
    validator.matches('tag', text, /^x$/, 'x');

    expect(() => validator.throwIfInvalid()).not.toThrow();
  });

  test("GIVEN parts built through buildPart THEN their problems join the validator's, prefixed; other errors pass through", () => {
    const stack = new Stack(testApp(), 'Parts');
    const validator = new PropsValidator(stack);
    validator.addProblem('minCapacity (0) must be a whole number between 1 and 1000');

    const built = validator.buildPart('database.', () => 'a part');
    const refused = validator.buildPart('database.', () => {
      throw new PropsValidationError('Parts/Db', ['backupRetention (3 days) must be a whole number of days']);
    });

    expect(built).toBe('a part');
    expect(refused).toBeUndefined();
    expect(() =>
      validator.buildPart('', () => {
        throw new Error('not about props');
      }),
    ).toThrow('not about props');
    expect(() => validator.throwIfInvalid()).toThrow(
      expect.objectContaining({
        problems: [
          'minCapacity (0) must be a whole number between 1 and 1000',
          'database.backupRetention (3 days) must be a whole number of days',
        ],
      }),
    );
  });

  test('GIVEN a wildcard ARN THEN its finding is named the way cdk-nag names it', () => {
    const stack = new Stack(testApp(), 'Findings');
    const bucket = new s3.Bucket(stack, 'Artifacts');

    expect(wildcardResourceFinding(stack, bucket.arnForObjects('releases/*'))).toBe(
      `Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/releases/*`,
    );
    expect(
      wildcardResourceFinding(stack, s3.Bucket.fromBucketName(stack, 'B', 'my-bucket').arnForObjects('*')),
    ).toBe('Resource::arn:<AWS::Partition>:s3:::my-bucket/*');
  });

  test('GIVEN standalone parts THEN they validate their own props', () => {
    const app = testApp();
    const stack = new Stack(app, 'Parts');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const clients = new ec2.SecurityGroup(stack, 'Clients', { vpc });

    expect(
      () =>
        new ReleaseLoadBalancer(stack, 'Entry', {
          vpc,
          targetPort: 8080,
          healthCheck: { interval: Duration.seconds(400) },
        }),
    ).toThrow('healthCheck.interval (400 s) must be a whole number of seconds between 5 and 300 seconds');
    expect(
      () =>
        new ServiceDatabase(stack, 'Db', {
          vpc,
          clientSecurityGroup: clients,
          backupRetention: Duration.days(40),
        }),
    ).toThrow('backupRetention (40 days) must be a whole number of days between 7 and 35');
  });

  test('GIVEN a slow health check, long draining, plain HTTP and one instance THEN advisories, not errors', () => {
    const { stack } = synthService({
      healthCheck: { interval: Duration.seconds(60), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(300),
      minCapacity: 1,
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'));
    const text = JSON.stringify(warnings.map((warning) => warning.entry.data));

    expect(text).toContain('cdk-blue-green-ec2:slowHealthCheck');
    expect(text).toContain('healthCheck.interval (60 s) is above 30 s');
    expect(text).toContain('cdk-blue-green-ec2:slowDeregistration');
    expect(text).toContain('cdk-blue-green-ec2:httpOnly');
    expect(text).toContain('cdk-blue-green-ec2:singleInstance');
  });

  test('GIVEN HTTPS and defaults THEN no advisory from this library', () => {
    const { stack } = synthService((s) => ({
      certificate: acm.Certificate.fromCertificateArn(
        s,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      ),
    }));

    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('.*cdk-blue-green-ec2:.*'),
    );
    expect(warnings).toEqual([]);
  });

  test('GIVEN commands exactly at the size limit THEN synth passes', () => {
    const script = `echo ${'x'.repeat(maxCommandsBytes() - 6)}\n`;
    expect(Buffer.byteLength(script)).toBe(maxCommandsBytes());

    expect(() => synthService({ application: AppSource.fromCommands(script) })).not.toThrow();
  });

  test('GIVEN no error THEN BlueGreenService is constructed', () => {
    expect(synthService().service).toBeInstanceOf(BlueGreenService);
  });
});
