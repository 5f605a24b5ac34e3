/**
 * CloudWatch alarms, as far as the bake watches them: DescribeAlarms by name. The service's
 * target 5xx-rate alarm is evaluated from the simulated traffic, one datapoint per period, known
 * ALARM_EVALUATION_DELAY_SECONDS after the period ends; any alarm can also be set by a test (an
 * injected alarm), the way CloudWatch would after its evaluation periods.
 */
import type { CommandInput, CommandTable } from './commands';
import { serviceError } from './errors';
import type { TrafficSecond } from './traffic';

/**
 * Load balancer metrics arrive per minute and alarms are evaluated after them: a period's
 * datapoint decides the alarm this long after the period ends (inference: about a minute).
 */
export const ALARM_EVALUATION_DELAY_SECONDS = 60;

/** An alarm on the percent of target responses that were 5xx (BlueGreenService's default alarm). */
export interface TargetErrorRateAlarmSpec {
  readonly name: string;
  readonly thresholdPercent: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

interface RateAlarm extends TargetErrorRateAlarmSpec {
  /** Virtual ms at which the next period to evaluate ends. */
  nextPeriodEnd: number;
  readonly datapoints: number[];
}

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
  private readonly rateAlarms: RateAlarm[] = [];

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

  /** An alarm CloudWatch evaluates from the target group's responses (see `evaluate`). */
  public defineTargetErrorRate(spec: TargetErrorRateAlarmSpec): void {
    this.define(spec.name);
    const periodMs = spec.periodSeconds * 1000;
    this.rateAlarms.push({
      ...spec,
      nextPeriodEnd: Math.ceil(this.now() / periodMs) * periodMs,
      datapoints: [],
    });
  }

  /** Evaluates every period whose datapoint is due by now, from the traffic seconds so far. */
  public evaluate(traffic: readonly TrafficSecond[]): void {
    const now = this.now();
    for (const alarm of this.rateAlarms) {
      const periodMs = alarm.periodSeconds * 1000;
      while (alarm.nextPeriodEnd + ALARM_EVALUATION_DELAY_SECONDS * 1000 <= now) {
        const end = alarm.nextPeriodEnd;
        alarm.datapoints.push(errorRatePercent(traffic, end - periodMs, end));
        alarm.nextPeriodEnd += periodMs;
        const recent = alarm.datapoints.slice(-alarm.evaluationPeriods);
        const breaching =
          recent.length === alarm.evaluationPeriods && recent.every((p) => p > alarm.thresholdPercent);
        const last = recent[recent.length - 1];
        this.setState(
          alarm.name,
          breaching ? 'ALARM' : 'OK',
          `Threshold Crossed: ${recent.length} datapoint(s) [${recent.map((p) => p.toFixed(1)).join(', ')}] ` +
            `${breaching ? 'greater' : `not all greater (last ${last.toFixed(1)})`} than the threshold (${alarm.thresholdPercent})`,
        );
      }
    }
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

/** Percent of target responses in [startMs, endMs) that were 5xx; 0 without responses. */
function errorRatePercent(traffic: readonly TrafficSecond[], startMs: number, endMs: number): number {
  let errors = 0;
  let responses = 0;
  // Seconds are in time order: walk back from the newest and stop before the period starts, so a
  // long rehearsal does not rescan its whole history every minute.
  for (let i = traffic.length - 1; i >= 0 && traffic[i].time >= startMs; i--) {
    const second = traffic[i];
    if (second.time >= endMs) continue;
    for (const n of [...Object.values(second.failed), ...Object.values(second.appErrors)]) {
      errors += n;
      responses += n;
    }
    for (const n of Object.values(second.served)) responses += n;
  }
  return responses > 0 ? (100 * errors) / responses : 0;
}
