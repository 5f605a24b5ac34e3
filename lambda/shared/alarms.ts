/** Reads the state of the rollback alarms (metric and composite alarms alike). */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { chunk } from '../../lib/contract/batch';
import { cloudWatch } from './clients/cloudwatch';
import { withRetry } from '../../lib/contract/retry';

export interface AlarmView {
  readonly name: string;
  /** OK, ALARM or INSUFFICIENT_DATA. */
  readonly state: string;
  readonly reason?: string;
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;

/** The alarms that exist among `names`; a deleted alarm is simply absent from the answer. */
export async function readAlarms(names: readonly string[]): Promise<AlarmView[]> {
  const alarms: AlarmView[] = [];
  for (const batch of chunk(names, NAMES_PER_CALL)) {
    let nextToken: string | undefined;
    do {
      const page = await withRetry(() =>
        cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: batch,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken: nextToken,
          }),
        ),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        alarms.push({
          name: alarm.AlarmName ?? '',
          state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
          reason: alarm.StateReason,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return alarms;
}
