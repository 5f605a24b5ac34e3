/**
 * CloudWatch alarms, as far as the bake watches them: DescribeAlarms by name. Alarm states are
 * not computed from metrics here; a test or scenario sets them (an injected alarm), the way
 * CloudWatch would after its evaluation periods.
 */
import type { CommandInput, CommandTable } from './commands';
import { serviceError } from './errors';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

interface AlarmRecord {
  readonly name: string;
  readonly arn: string;
  state: AlarmState;
  reason: string;
  updatedAt: number;
}

/** DescribeAlarms: AlarmNames takes at most 100 names. */
const MAX_NAMES = 100;

export class Alarms {
  private readonly alarms = new Map<string, AlarmRecord>();

  constructor(
    private readonly now: () => number,
    private readonly arnPrefix: string,
  ) {}

  /** An alarm that exists in the region, OK until set otherwise (new alarms start INSUFFICIENT_DATA on AWS; OK keeps scenarios quiet). */
  public define(name: string, state: AlarmState = 'OK'): void {
    if (this.alarms.has(name)) return;
    this.alarms.set(name, {
      name,
      arn: `${this.arnPrefix}:alarm:${name}`,
      state,
      reason: 'defined by the rehearsal',
      updatedAt: this.now(),
    });
  }

  public setState(name: string, state: AlarmState, reason: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`setAlarmState: no alarm named ${name}`);
    Object.assign(alarm, { state, reason, updatedAt: this.now() });
  }

  public names(): string[] {
    return [...this.alarms.keys()];
  }

  public commands(): CommandTable {
    return {
      DescribeAlarms: {
        mutating: false,
        params: ['AlarmNames', 'AlarmTypes', 'NextToken', 'MaxRecords'],
        run: (input) => this.describe(input),
      },
    };
  }

  private describe(input: CommandInput): Record<string, unknown> {
    const names: string[] = input.AlarmNames ?? [...this.alarms.keys()];
    if (names.length > MAX_NAMES) {
      throw serviceError(
        'CloudWatch',
        'ValidationError',
        `1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAMES}`,
      );
    }
    if (input.NextToken !== undefined)
      throw serviceError('CloudWatch', 'InvalidNextToken', 'The service cannot find the token');
    const types: string[] = input.AlarmTypes ?? ['MetricAlarm'];
    // Unknown names are left out of the answer, as CloudWatch does.
    const found = names.map((name) => this.alarms.get(name)).filter((a): a is AlarmRecord => a !== undefined);
    const metricAlarms = types.includes('MetricAlarm')
      ? found.map((a) => ({
          AlarmName: a.name,
          AlarmArn: a.arn,
          StateValue: a.state,
          StateReason: a.reason,
          StateUpdatedTimestamp: new Date(a.updatedAt),
        }))
      : [];
    return { MetricAlarms: metricAlarms, CompositeAlarms: [] };
  }
}
