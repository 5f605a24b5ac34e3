import { Duration, type Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { VALIDATION_ENV } from '../../lib/contract/instance-validation';
import { ENV } from '../../lib/contract/environment';
import { PropsValidationError } from '../../lib/validation';
import { logicalId, synthService } from './helpers';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

function userValidator(stack: Stack): lambda.Function {
  return new lambda.Function(stack, 'UserValidator', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ ok: true });'),
  });
}

/** The policy statements attached to the validator function's role. */
function validatorStatements(fixture: ReturnType<typeof synthService>): Json[] {
  return roleStatements(fixture, fixture.service.instanceValidation!.validatorFunction);
}

/** The resources the validator may invoke (`lambda:InvokeFunction`), as resolved. */
function invokableBy(statements: Json[]): Json[] {
  return statements
    .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
    .flatMap((s) => [s.Resource].flat());
}

/** A function's ARN as the template writes it, and its versions' and aliases' (`grantInvoke`). */
function invokeResources(fn: { node: { defaultChild?: unknown } }, stack: Stack): Json[] {
  const arn = { 'Fn::GetAtt': [logicalId(fn, stack), 'Arn'] };
  return [arn, { 'Fn::Join': ['', [arn, ':*']] }];
}

function roleStatements(fixture: ReturnType<typeof synthService>, fn: { role?: unknown }): Json[] {
  const roleId = logicalId(fn.role as never, fixture.stack);
  return Object.values<Json>(fixture.template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('BlueGreenService validation', () => {
  test('GIVEN no validation THEN no lifecycle hook, no rule on lifecycle actions, CheckHealth not told', () => {
    const { template, service } = synthService();

    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
    expect(service.instanceValidation).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toContain('aws.autoscaling');
    const env = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(env).not.toContain(ENV.instanceValidation);
  });

  test('GIVEN validation THEN a launch hook on both groups, heartbeat above the function timeout, ABANDON by default', () => {
    const fixture = synthService({ validation: { timeout: Duration.minutes(3) } });
    const { template, service, stack } = fixture;

    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 2);
    for (const fleet of [service.blue, service.green]) {
      template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
        AutoScalingGroupName: { Ref: logicalId(fleet.autoScalingGroup, stack) },
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        DefaultResult: 'ABANDON',
        // 180 s of validation + 60 s for the function's own calls + 60 s margin.
        HeartbeatTimeout: 300,
      });
    }
    const validation = service.instanceValidation!;
    expect(template.toJSON().Resources[logicalId(validation.validatorFunction, stack)].Properties).toEqual(
      expect.objectContaining({
        Timeout: 240,
        Environment: {
          Variables: expect.objectContaining({
            [VALIDATION_ENV.validationTimeoutSeconds]: '180',
            [VALIDATION_ENV.heartbeatTimeoutSeconds]: '300',
            [VALIDATION_ENV.healthCheckPath]: '/health',
            [VALIDATION_ENV.appPort]: '8080',
            [VALIDATION_ENV.probeFunctionName]: { Ref: logicalId(validation.probeFunction, stack) },
          }),
        },
      }),
    );
    // CheckHealth reads recorded passes and failures only when validation is on, and knows how
    // long a held lifecycle action may wait (the hook's heartbeat timeout).
    const steps = Object.values<Json>(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Metadata?.['bluegreen:step'] === 'check-health',
    );
    expect(steps).toHaveLength(1);
    expect(steps[0].Properties.Environment.Variables[ENV.instanceValidation]).toBe('300');
  });

  test('GIVEN validation THEN the rule matches launch lifecycle actions of exactly the two groups and targets the validator', () => {
    const { template, service, stack } = synthService({ validation: {} });
    const validator = service.instanceValidation!.validatorFunction;

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-launch Lifecycle Action'],
        detail: {
          AutoScalingGroupName: [
            { Ref: logicalId(service.blue.autoScalingGroup, stack) },
            { Ref: logicalId(service.green.autoScalingGroup, stack) },
          ],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(validator, stack), 'Arn'] } })],
    });
  });

  test.each([
    [{ appPort: 9000 }, [9000]],
    [{ appPort: 9000, healthCheck: { port: 9001 } }, [9000, 9001]],
  ])(
    'GIVEN validation with %j THEN the probe reaches the instances on ports %j only, and nothing else: no 0.0.0.0/0, no HTTPS',
    (props, ports) => {
      const { template, service, stack } = synthService({ ...props, validation: {} });
      const probeSg = logicalId(service.instanceValidation!.securityGroup, stack);
      const instanceSg = logicalId(service.instanceSecurityGroup, stack);

      // The instances admit the probe on those ports only.
      const ingressFromProbe = Object.values<Json>(
        template.findResources('AWS::EC2::SecurityGroupIngress'),
      ).filter((r) => JSON.stringify(r.Properties.SourceSecurityGroupId ?? '').includes(probeSg));
      expect(ingressFromProbe.map((r) => r.Properties)).toEqual(
        ports.map((port) =>
          expect.objectContaining({
            GroupId: { 'Fn::GetAtt': [instanceSg, 'GroupId'] },
            SourceSecurityGroupId: { 'Fn::GetAtt': [probeSg, 'GroupId'] },
            IpProtocol: 'tcp',
            FromPort: port,
            ToPort: port,
          }),
        ),
      );
      // Its only ways out: the instances' security group, on those ports.
      const egress = Object.values<Json>(template.findResources('AWS::EC2::SecurityGroupEgress')).filter(
        (r) => JSON.stringify(r.Properties.GroupId).includes(probeSg),
      );
      expect(egress.map((r) => r.Properties)).toEqual(
        ports.map((port) => ({
          GroupId: { 'Fn::GetAtt': [probeSg, 'GroupId'] },
          DestinationSecurityGroupId: { 'Fn::GetAtt': [instanceSg, 'GroupId'] },
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          Description: 'Checks of new instances',
        })),
      );
      // Nothing inline on the group: the rules above are its only egress (aws-cdk's allowAllOutbound:
      // false; EC2's default allow-all rule is taken not to stay beside them, docs/aws-model.md).
      const group = template.toJSON().Resources[probeSg];
      expect(group.Properties.SecurityGroupEgress).toBeUndefined();
      expect(JSON.stringify([group, ...egress])).not.toMatch(/0\.0\.0\.0\/0|CidrIp/);
      expect(group.Properties.GroupDescription).not.toMatch(/HTTPS/);
    },
  );

  test('GIVEN validation THEN only the probe is in the VPC, with the probe security group, and the validator is not', () => {
    const { template, service, stack } = synthService({ validation: {} });
    const validation = service.instanceValidation!;
    const resources = template.toJSON().Resources;

    const probe = resources[logicalId(validation.probeFunction, stack)];
    expect(probe.Metadata['bluegreen:handler']).toBe('probe-instance');
    expect(probe.Properties).toEqual(
      expect.objectContaining({
        // The longest request (60 s) and a margin to answer it.
        Timeout: 70,
        VpcConfig: {
          SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(validation.securityGroup, stack), 'GroupId'] }],
          SubnetIds: expect.any(Array),
        },
      }),
    );
    expect(probe.Properties.Environment).toBeUndefined();

    const validator = resources[logicalId(validation.validatorFunction, stack)];
    expect(validator.Metadata['bluegreen:handler']).toBe('validate-instance');
    expect(validator.Properties.VpcConfig).toBeUndefined();
    // Every function of the template in the VPC: the probe alone.
    const inVpc = Object.entries<Json>(template.findResources('AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.VpcConfig !== undefined)
      .map(([id]) => id);
    expect(inVpc).toEqual([logicalId(validation.probeFunction, stack)]);
  });

  test("GIVEN validation THEN the probe's role has no policy of its own: logs and network interfaces only", () => {
    const fixture = synthService({ validation: {} });
    const { template, service, stack } = fixture;
    const probe = service.instanceValidation!.probeFunction;

    expect(roleStatements(fixture, probe)).toEqual([]);
    const role = template.toJSON().Resources[logicalId(probe.role as never, stack)];
    expect(role.Properties.ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        ],
      },
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
          ],
        ],
      },
    ]);
    // Its role is its own, not the validator's.
    expect(logicalId(probe.role as never, stack)).not.toBe(
      logicalId(service.instanceValidation!.validatorFunction.role as never, stack),
    );
  });

  test('GIVEN validation without a user validator THEN the validator may invoke the probe only', () => {
    const fixture = synthService({ validation: {} });
    const { service, stack } = fixture;

    expect(invokableBy(validatorStatements(fixture))).toEqual(
      invokeResources(service.instanceValidation!.probeFunction, stack),
    );
  });

  test('GIVEN validation with a user validator THEN the validator may complete lifecycle actions of the two groups only, write its records only, read the lock item only, invoke the probe and that function only', () => {
    const fixture = synthService((stack) => ({ validation: { function: userValidator(stack) } }));
    const { service, stack } = fixture;
    const statements = validatorStatements(fixture);
    const groupArn = (fleet: typeof service.blue) =>
      stack.resolve(fleet.autoScalingGroup.autoScalingGroupArn) as Json;

    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
          Resource: [groupArn(service.blue), groupArn(service.green)],
        }),
        expect.objectContaining({
          Action: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
          Resource: '*',
        }),
        expect.objectContaining({
          Action: 'dynamodb:PutItem',
          Condition: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': ['validation-failure#*', 'validation-pass#*'],
            },
          },
          Resource: { 'Fn::GetAtt': [logicalId(service.releaseWorkflow.lockTable, stack), 'Arn'] },
        }),
        expect.objectContaining({
          Action: 'dynamodb:GetItem',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['release-lock'] } },
          Resource: { 'Fn::GetAtt': [logicalId(service.releaseWorkflow.lockTable, stack), 'Arn'] },
        }),
      ]),
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect([...new Set(actions)].sort()).toEqual([
      'autoscaling:CompleteLifecycleAction',
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:RecordLifecycleActionHeartbeat',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'ec2:DescribeInstances',
      'lambda:InvokeFunction',
    ]);
    // The probe and the user's function, nothing else.
    const user = stack.node.findChild('UserValidator') as lambda.Function;
    expect(invokableBy(statements).sort(byJson)).toEqual(
      [
        ...invokeResources(service.instanceValidation!.probeFunction, stack),
        ...invokeResources(user, stack),
      ].sort(byJson),
    );
  });

  test('GIVEN validation THEN CheckHealth may let held instances of the two groups in and read the pass records; without it, neither', () => {
    const checkHealthActions = (fixture: ReturnType<typeof synthService>) =>
      roleStatements(fixture, fixture.service.releaseWorkflow.steps['check-health']);
    const fixture = synthService({ validation: {} });
    const { service, stack } = fixture;
    const groupArn = (fleet: typeof service.blue) =>
      stack.resolve(fleet.autoScalingGroup.autoScalingGroupArn) as Json;
    const statements = checkHealthActions(fixture);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'autoscaling:CompleteLifecycleAction',
          Resource: [groupArn(service.blue), groupArn(service.green)],
        }),
        expect.objectContaining({
          Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
          Resource: { 'Fn::GetAtt': [logicalId(service.releaseWorkflow.lockTable, stack), 'Arn'] },
        }),
      ]),
    );
    const without = checkHealthActions(synthService()).flatMap((st) => [st.Action].flat());
    expect(without).not.toContain('autoscaling:CompleteLifecycleAction');
    expect(without).not.toContain('dynamodb:BatchGetItem');
    expect(without).not.toContain('dynamodb:PutItem');
  });

  test('GIVEN smoke checks THEN the validator is given them with every default applied', () => {
    const { template } = synthService({
      validation: {
        checks: [
          { path: '/smoke' },
          { path: '/ready', expectedStatus: 204, bodyIncludes: 'ok', timeout: Duration.seconds(2) },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [VALIDATION_ENV.smokeChecks]: JSON.stringify([
            { path: '/smoke', expectedStatus: 200, timeoutMs: 5000 },
            { path: '/ready', expectedStatus: 204, bodyIncludes: 'ok', timeoutMs: 2000 },
          ]),
        }),
      },
    });
  });

  test('GIVEN invalid validation options THEN one error names every field and value', () => {
    let thrown: unknown;
    try {
      synthService({
        validation: {
          timeout: Duration.seconds(5),
          checks: [
            { path: 'smoke', expectedStatus: 700 },
            { path: '/ok', bodyIncludes: '', timeout: Duration.minutes(2) },
          ],
        },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PropsValidationError);
    expect((thrown as PropsValidationError).problems).toEqual([
      'validation.timeout (5 s) must be a whole number of seconds between 10 and 780 seconds',
      'validation.checks[0].path ("smoke") must be a path starting with "/", at most 1024 printable characters without spaces',
      'validation.checks[0].expectedStatus (700) must be a whole number between 100 and 599',
      'validation.checks[1].bodyIncludes ("") must be 1 to 1024 characters',
      'validation.checks[1].timeout (120 s) must be a whole number of seconds between 1 and 60 seconds',
    ]);
  });

  test('GIVEN a check timeout not shorter than the validation timeout THEN refused, naming both', () => {
    expect(() =>
      synthService({
        validation: {
          timeout: Duration.seconds(30),
          checks: [{ path: '/x', timeout: Duration.seconds(30) }],
        },
      }),
    ).toThrow('validation.checks[0].timeout (30 s) must be shorter than validation.timeout (30 s)');
  });
});
