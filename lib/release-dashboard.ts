import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ServiceMetrics } from './service-metrics';

/** Props of a `ReleaseDashboard`: what one service is made of. */
export interface ReleaseDashboardProps {
  /** The metrics of the service: traffic and health of its target group, its rollbacks. */
  readonly metrics: ServiceMetrics;
  /** The blue group: its instances by lifecycle state. */
  readonly blue: autoscaling.IAutoScalingGroup;
  /** The green group: its instances by lifecycle state. */
  readonly green: autoscaling.IAutoScalingGroup;
  /** The release state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * Releases run a canary phase: a graph of the canary instances taking traffic is added.
   * @default false
   */
  readonly canary?: boolean;
}

/**
 * The Auto Scaling group metrics the dashboard shows, by lifecycle state. The groups must collect
 * them (`groupMetrics` of the Auto Scaling group); `Fleet` enables exactly these.
 */
export const GROUP_LIFECYCLE_METRICS: readonly { readonly metricName: string; readonly label: string }[] = [
  { metricName: 'GroupInServiceInstances', label: 'InService' },
  { metricName: 'GroupStandbyInstances', label: 'Standby' },
  { metricName: 'GroupPendingInstances', label: 'Pending' },
  { metricName: 'GroupTerminatingInstances', label: 'Terminating' },
  { metricName: 'GroupDesiredCapacity', label: 'Desired capacity' },
];

const WIDTH = 24;
const HEIGHT = 6;

/**
 * A CloudWatch dashboard of one blue/green service: traffic and health of the shared target
 * group, the instances of each colour by lifecycle state, and the release executions and
 * rollbacks, so that a release can be followed (and judged) on one page.
 */
export class ReleaseDashboard extends Construct {
  /** The CloudWatch dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ReleaseDashboardProps) {
    super(scope, id);
    const service = props.metrics;
    const minute = { period: Duration.minutes(1) };
    const counts = { min: 0 };
    const quarter = { width: WIDTH / 4, height: HEIGHT };
    const half = { width: WIDTH / 2, height: HEIGHT };

    const traffic: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Target group hosts',
        left: [
          service.healthyHostCount({ ...minute, label: 'Healthy' }),
          service.unhealthyHostCount({ ...minute, label: 'Unhealthy' }),
        ],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: '5xx responses',
        left: [
          service.target5xxCount({ ...minute, label: 'Target 5xx' }),
          service.loadBalancer5xxCount({ ...minute, label: 'Load balancer 5xx' }),
        ],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Requests',
        left: [service.requestCount({ ...minute, label: 'Requests' })],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Target response time (seconds)',
        left: [
          service.targetResponseTime({ ...minute, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          service.targetResponseTime({ ...minute, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        leftYAxis: counts,
      }),
    ];

    const fleets = (['blue', 'green'] as const).map(
      (colour) =>
        new cloudwatch.GraphWidget({
          title: `${colour === 'blue' ? 'Blue' : 'Green'} group instances`,
          left: GROUP_LIFECYCLE_METRICS.map(
            ({ metricName, label }) =>
              new cloudwatch.Metric({
                namespace: 'AWS/AutoScaling',
                metricName,
                dimensionsMap: { AutoScalingGroupName: props[colour].autoScalingGroupName },
                // Group metrics come once a minute: the maximum is the value, whatever the period.
                statistic: cloudwatch.Stats.MAXIMUM,
                label,
                ...minute,
              }),
          ),
          leftYAxis: counts,
          ...half,
        }),
    );

    const machine = props.stateMachine;
    const releases: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: 'Release executions',
        left: [
          machine.metricStarted({ label: 'Started' }),
          machine.metricSucceeded({ label: 'Succeeded' }),
          machine.metricFailed({ label: 'Failed' }),
          machine.metricAborted({ label: 'Aborted' }),
          machine.metricTimedOut({ label: 'Timed out' }),
        ],
        leftYAxis: counts,
        ...half,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rollbacks',
        left: [service.rollbacks({ label: 'Rollbacks' })],
        leftYAxis: counts,
        width: WIDTH / 3,
        height: HEIGHT,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Rollbacks in the time range',
        metrics: [service.rollbacks({ label: 'Rollbacks' })],
        setPeriodToTimeRange: true,
        width: WIDTH / 6,
        height: HEIGHT,
      }),
    ];

    const canary: cloudwatch.IWidget[] = props.canary
      ? [
          new cloudwatch.GraphWidget({
            title: 'Canary: new-version instances taking traffic',
            left: [service.canaryInstances({ label: 'Canary instances serving' })],
            leftYAxis: counts,
            width: WIDTH,
            height: HEIGHT,
          }),
        ]
      : [];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [traffic, fleets, releases, ...(canary.length > 0 ? [canary] : [])],
    });
  }
}
