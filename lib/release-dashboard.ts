import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, ROLLBACKS_METRIC, SERVICE_DIMENSION } from '../lambda/shared/metrics';

/** Props of a `ReleaseDashboard`: what one service is made of. */
export interface ReleaseDashboardProps {
  /** The service's Application Load Balancer. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group shared by both colours. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The blue group: its instances by lifecycle state. */
  readonly blue: autoscaling.IAutoScalingGroup;
  /** The green group: its instances by lifecycle state. */
  readonly green: autoscaling.IAutoScalingGroup;
  /** The release state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /** Value of the `bluegreen:service` tag: the `Service` dimension of the rollback metric. */
  readonly serviceTag: string;
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

/**
 * Rollbacks of the service, automatic or requested: the metric the rollback step writes as an
 * Embedded Metric Format log line (`lambda/shared/metrics.ts`).
 *
 * @param props @default - Sum over 5 minutes
 */
export function rollbacksMetric(serviceTag: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: ROLLBACKS_METRIC,
    dimensionsMap: { [SERVICE_DIMENSION]: serviceTag },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...props,
  });
}

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
    const targets = props.targetGroup.metrics;
    const minute = { period: Duration.minutes(1) };
    const counts = { min: 0 };
    const quarter = { width: WIDTH / 4, height: HEIGHT };
    const half = { width: WIDTH / 2, height: HEIGHT };

    const traffic: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Target group hosts',
        left: [
          targets.healthyHostCount({ ...minute, label: 'Healthy' }),
          targets.unhealthyHostCount({ ...minute, label: 'Unhealthy' }),
        ],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: '5xx responses',
        left: [
          targets.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { ...minute, label: 'Target 5xx' }),
          props.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
            ...minute,
            label: 'Load balancer 5xx',
          }),
        ],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Requests',
        left: [targets.requestCount({ ...minute, label: 'Requests' })],
        leftYAxis: counts,
      }),
      new cloudwatch.GraphWidget({
        ...quarter,
        title: 'Target response time (seconds)',
        left: [
          targets.targetResponseTime({ ...minute, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          targets.targetResponseTime({ ...minute, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
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
        left: [rollbacksMetric(props.serviceTag, { label: 'Rollbacks' })],
        leftYAxis: counts,
        width: WIDTH / 3,
        height: HEIGHT,
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Rollbacks in the time range',
        metrics: [rollbacksMetric(props.serviceTag, { label: 'Rollbacks' })],
        setPeriodToTimeRange: true,
        width: WIDTH / 6,
        height: HEIGHT,
      }),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [traffic, fleets, releases],
    });
  }
}
