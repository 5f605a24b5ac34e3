import { Duration, type Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PropsValidationError } from '../../lib/validation';
import { synthService } from './helpers';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function migrations(stack: Stack): lambda.Function {
  return new lambda.Function(stack, 'Migrations', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
}

describe('BlueGreenService hooks', () => {
  test('GIVEN hooks THEN the release state machine invokes them at their points, with the service tag in the payload', () => {
    const { template, service } = synthService((stack) => {
      const fn = migrations(stack);
      return {
        hooks: {
          beforeTraffic: { function: fn },
          afterFinalize: { function: fn, timeout: Duration.minutes(2) },
        },
      };
    });
    const [machine] = Object.values<Json>(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    for (const state of ['BeforeTrafficHook', 'AfterFinalizeHook'])
      expect(definition).toContain(`\\"${state}\\":`);
    expect(definition).not.toContain('AfterTrafficHook');
    expect(definition).not.toContain('BeforeFinalizeHook');
    expect(definition).toContain(`\\"service\\":\\"${service.serviceTag}\\"`);
    expect(definition).toContain('\\"TimeoutSeconds\\":120');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:InvokeFunction',
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Migrations'), 'Arn'] }]),
          }),
        ]),
      },
    });
  });

  test('GIVEN a hook timeout out of range THEN the service refuses it, naming the field and the value, with its other problems', () => {
    let thrown: unknown;
    try {
      synthService((stack) => ({
        minCapacity: 0,
        hooks: { afterTraffic: { function: migrations(stack), timeout: Duration.hours(1) } },
      }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PropsValidationError);
    expect((thrown as PropsValidationError).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^minCapacity \(0\)/),
        'hooks.afterTraffic.timeout (3600 s) must be a whole number of seconds between 1 and 900 seconds',
      ]),
    );
  });
});
