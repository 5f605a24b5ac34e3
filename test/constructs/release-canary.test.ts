import { CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, type BlueGreenServiceProps } from '../../lib/blue-green-service';
import { PropsValidationError } from '../../lib/validation';
import { synthService, testApp } from './helpers';

/** WHEN a service is built with `props` THEN the problems it is refused with. */
function problemsOf(props: BlueGreenServiceProps): readonly string[] {
  try {
    synthService(props);
  } catch (error) {
    if (error instanceof PropsValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a PropsValidationError, got none');
}

const minutes = (n: number) => Duration.minutes(n);

describe('canary prop validation', () => {
  test.each<[string, BlueGreenServiceProps, string]>([
    [
      'instances at least 1',
      { canary: { instances: 0, duration: minutes(5) } },
      'canary.instances (0) must be a whole number between 1 and 1',
    ],
    [
      'instances whole',
      { minCapacity: 4, canary: { instances: 1.5, duration: minutes(5) } },
      'canary.instances (1.5) must be a whole number between 1 and 3',
    ],
    [
      'instances below minCapacity',
      { minCapacity: 3, canary: { instances: 3, duration: minutes(5) } },
      'canary.instances (3) must be a whole number between 1 and 2',
    ],
    [
      'minCapacity 1 leaves no room for a canary',
      { minCapacity: 1, canary: { instances: 1, duration: minutes(5) } },
      'canary.instances (1) needs minCapacity (1) of at least 2: a canary must be fewer instances than a release brings up (at least minCapacity)',
    ],
    [
      'duration at least a minute',
      { canary: { instances: 1, duration: Duration.seconds(30) } },
      'canary.duration (30 s) must be a whole number of seconds between 60 and 86400 seconds',
    ],
    [
      'duration at most a day',
      { canary: { instances: 1, duration: Duration.days(2) } },
      'canary.duration (172800 s) must be a whole number of seconds between 60 and 86400 seconds',
    ],
  ])('%s', (_name, props, problem) => {
    expect(problemsOf(props)).toContain(problem);
  });

  test('a valid canary synthesizes, and its settings reach the steps', () => {
    const { template } = synthService({ minCapacity: 3, canary: { instances: 2, duration: minutes(10) } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { CANARY_INSTANCES: '2', CANARY_SECONDS: '600' } },
    });
  });

  test('Tokens pass validation and reach the environment unresolved', () => {
    const stack = new Stack(testApp(), 'TokenStack');
    const instances = new CfnParameter(stack, 'CanaryInstances', { type: 'Number' }).valueAsNumber;
    const seconds = new CfnParameter(stack, 'CanarySeconds', { type: 'Number' }).valueAsNumber;
    expect(Token.isUnresolved(instances)).toBe(true);
    new BlueGreenService(stack, 'Service', {
      canary: { instances, duration: Duration.seconds(seconds) },
    });
    const env = Object.values<{
      Type: string;
      Properties: { Environment?: { Variables: Record<string, unknown> } };
    }>(Template.fromStack(stack).toJSON().Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables.CANARY_INSTANCES,
    )!.Properties.Environment!.Variables;
    expect(env.CANARY_INSTANCES).toEqual({ Ref: 'CanaryInstances' });
    expect(env.CANARY_SECONDS).toEqual({ Ref: 'CanarySeconds' });
  });
});
