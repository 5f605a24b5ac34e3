import { ALARM_EVALUATION_DELAY_SECONDS, Alarms } from '../../../lib/rehearsal/region/alarms';
import type { TrafficSecond } from '../../../lib/rehearsal/region/traffic';

/** `seconds` of traffic from `startS`: `ok` good answers and `errors` app 5xx per second. */
function traffic(startS: number, seconds: number, ok: number, errors: number): TrafficSecond[] {
  const appErrors: Record<string, number> = errors > 0 ? { v2: errors } : {};
  return Array.from({ length: seconds }, (_, i) => ({
    time: (startS + i) * 1000,
    served: { v2: ok },
    failed: {},
    appErrors,
    dropped: 0,
    droppedByFault: 0,
    failOpen: false,
  }));
}

function describeAlarm(alarms: Alarms, name: string) {
  return (
    alarms.commands().DescribeAlarms.run({ AlarmNames: [name] }) as {
      MetricAlarms: Array<Record<string, unknown>>;
    }
  ).MetricAlarms[0];
}

describe('the target 5xx-rate alarm', () => {
  let now = 0;
  const alarms = () => {
    const a = new Alarms(() => now, 'arn:aws:cloudwatch:us-east-1:123456789012');
    a.defineTargetErrorRate({ name: 'errors', thresholdPercent: 5, periodSeconds: 60, evaluationPeriods: 1 });
    return a;
  };

  test('decides each minute from that minute’s responses, a delay after it ends', () => {
    now = 0;
    const a = alarms();
    // Minute 0: 10 % errors. Minute 1: none.
    const seconds = [...traffic(0, 60, 9, 1), ...traffic(60, 60, 10, 0)];
    now = 60_000 + ALARM_EVALUATION_DELAY_SECONDS * 1000 - 1000;
    a.evaluate(seconds);
    expect(describeAlarm(a, 'errors').StateValue).toBe('OK');
    now += 1000;
    a.evaluate(seconds);
    expect(describeAlarm(a, 'errors')).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 1 datapoint(s) [10.0] greater than the threshold (5)',
    });
    now += 60_000;
    a.evaluate(seconds);
    expect(describeAlarm(a, 'errors').StateValue).toBe('OK');
  });

  test('a minute without requests is 0 %, not missing data', () => {
    now = 0;
    const a = alarms();
    now = 5 * 60_000;
    a.evaluate([]);
    expect(describeAlarm(a, 'errors')).toMatchObject({
      StateValue: 'OK',
      StateReason:
        'Threshold Crossed: 1 datapoint(s) [0.0] not all greater (last 0.0) than the threshold (5)',
    });
  });

  test('unknown names are left out of DescribeAlarms, as CloudWatch does', () => {
    expect(
      alarms()
        .commands()
        .DescribeAlarms.run({ AlarmNames: ['nope'] }),
    ).toEqual({
      MetricAlarms: [],
      CompositeAlarms: [],
    });
  });
});
