import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import { synthService } from './helpers';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('rollback alarms', () => {
  test('GIVEN defaults THEN an alarm on the target 5xx rate is created and watched during the bake', () => {
    const { template, stack, service } = synthService();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 1), 0)',
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'HTTPCode_Target_5XX_Count' }),
            Stat: 'Sum',
            Period: 60,
          }),
          ReturnData: false,
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RequestCount' }) }),
        }),
      ]),
    });
    const alarmId = stack.getLogicalId(service.target5xxAlarm!.node.defaultChild as cloudwatch.CfnAlarm);
    const fn = Object.values<Json>(template.toJSON().Resources).find(
      (r) => r.Metadata?.['bluegreen:step'] === 'watch-bake',
    );
    expect(JSON.stringify(fn.Properties.Environment.Variables.ROLLBACK_ALARM_NAMES)).toContain(alarmId);
  });

  test('GIVEN your own alarms and a threshold THEN all are watched', () => {
    const { template, service } = synthService((stack) => ({
      maxTarget5xxPercent: 2,
      rollbackAlarms: [
        cloudwatch.Alarm.fromAlarmArn(
          stack,
          'Orders',
          'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders',
        ),
      ],
    }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2 });
    const names = readServiceTemplate(template.toJSON()).stepFunctions[0].environment.ROLLBACK_ALARM_NAMES;
    expect(JSON.parse(names)).toEqual([expect.any(String), 'orders']);
    expect(service.target5xxAlarm).toBeDefined();
  });

  test('GIVEN target5xxAlarm false and no alarms THEN nothing is watched', () => {
    const { template, service } = synthService({ target5xxAlarm: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(service.target5xxAlarm).toBeUndefined();
    const env = readServiceTemplate(template.toJSON()).stepFunctions[0].environment;
    expect(env.ROLLBACK_ALARM_NAMES).toBeUndefined();
  });
});

describe('approval gates', () => {
  test('GIVEN approval THEN the request goes to the notification topic and waits for the token', () => {
    const { template, stack, service } = synthService({ approval: { gates: ['swap', 'finalize'] } });
    const [machine] = Object.values<Json>(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('ApproveSwap');
    expect(definition).toContain('ApproveFinalize');
    expect(definition).toContain('sns:publish.waitForTaskToken');
    expect(definition).toContain(stack.getLogicalId(service.notificationTopic.node.defaultChild as never));
  });

  test('GIVEN invalid approval settings THEN synth fails naming each field and value', () => {
    expect(() =>
      synthService({
        approval: {
          gates: ['deploy' as never],
          timeout: Duration.seconds(10),
          onTimeout: 'maybe' as never,
        },
        maxTarget5xxPercent: 0,
      }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          'maxTarget5xxPercent (0) must be above 0 and at most 100',
          'approval.gates ("deploy") must be one of swap, finalize',
          'approval.onTimeout ("maybe") must be one of approve, reject',
          expect.stringMatching(/^approval\.timeout \(10 s\) must be/),
        ]),
      }),
    );
  });

  test('GIVEN no gate THEN synth fails', () => {
    expect(() => synthService({ approval: { gates: [] } })).toThrow(
      /approval.gates \(\[\]\) must name at least one gate/,
    );
  });
});
