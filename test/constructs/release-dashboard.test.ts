import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TARGET_5XX_RATE_EXPRESSION } from '../../lib/contract/metrics';
import { DatabaseSource } from '../../lib/database';
import { GROUP_LIFECYCLE_METRICS, ReleaseDashboard } from '../../lib/release-dashboard';
import { ServiceMetrics } from '../../lib/service-metrics';
import { logicalId, resourcesOf, synthService, testApp } from './helpers';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type MetricRow = (string | Record<string, unknown>)[];

/**
 * The dashboard body as JSON: the `Fn::Join` of text and references, each reference written as
 * `${Ref:<id>}` or `${GetAtt:<id>.<attr>}` (they all stand inside JSON strings).
 */
function dashboardBody(template: Template): { widgets: Json[] } {
  const dashboards = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const [, dashboard] = dashboards[0];
  const body = dashboard.Properties!.DashboardBody as Json;
  const [, parts] = body['Fn::Join'] as [string, Json[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref) return `\${Ref:${part.Ref}}`;
      if (part['Fn::GetAtt']) return `\${GetAtt:${part['Fn::GetAtt'].join('.')}}`;
      if (part['Fn::Select']) return '${Select}';
      throw new Error(`unexpected part of the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text);
}

function widget(body: { widgets: Json[] }, title: string): Json {
  const found = body.widgets.find((w) => w.properties.title === title);
  if (!found) throw new Error(`no widget titled ${title}: ${body.widgets.map((w) => w.properties.title)}`);
  return found;
}

/** `[namespace, metricName, ...dimensions, options]` rows of a widget. */
function metrics(w: Json): MetricRow[] {
  return w.properties.metrics;
}

function metricNames(w: Json): string[] {
  return metrics(w).map((row) => row[1] as string);
}

/** GIVEN a load balancer, target group, two groups and a state machine WHEN a ReleaseDashboard is added. */
function synthDashboard(canary?: boolean) {
  const stack = new Stack(testApp(), 'DashboardStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', {
    vpc,
    port: 8080,
    targetType: elbv2.TargetType.INSTANCE,
  });
  loadBalancer.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  const group = (id: string) =>
    new autoscaling.AutoScalingGroup(stack, id, {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      minCapacity: 0,
      maxCapacity: 6,
    });
  const blue = group('Blue');
  const green = group('Green');
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  const metrics = new ServiceMetrics({
    targetGroup,
    loadBalancerFullName: loadBalancer.loadBalancerFullName,
    serviceTag: 'shop',
  });
  const dashboard = new ReleaseDashboard(stack, 'Release', { metrics, blue, green, stateMachine, canary });
  const template = Template.fromStack(stack);
  return { stack, blue, green, stateMachine, dashboard, metrics, template, body: dashboardBody(template) };
}

const CANARY_TITLE = 'Canary: new-version instances taking traffic';

describe('ReleaseDashboard', () => {
  const { stack, blue, green, stateMachine, dashboard, template, body } = synthDashboard();

  test('one dashboard, named by CloudFormation', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
    expect(dashboard.dashboard).toBeDefined();
  });

  test('no canary graph unless releases run a canary; with one, the canary instances serving, by service', () => {
    expect(body.widgets.map((w: Json) => w.properties.title)).not.toContain(CANARY_TITLE);
    const withCanary = widget(synthDashboard(true).body, CANARY_TITLE);
    expect(metrics(withCanary)).toEqual([
      [
        'BlueGreen',
        'CanaryInstances',
        'Service',
        'shop',
        expect.objectContaining({ stat: 'Maximum', period: 60 }),
      ],
    ]);
  });

  test('target group hosts: healthy and unhealthy', () => {
    const w = widget(body, 'Target group hosts');
    expect(metricNames(w)).toEqual(['HealthyHostCount', 'UnHealthyHostCount']);
    expect(metrics(w)[0]).toEqual(
      expect.arrayContaining(['AWS/ApplicationELB', 'TargetGroup', 'LoadBalancer']),
    );
  });

  test('5xx: of the targets and of the load balancer', () => {
    const w = widget(body, '5xx responses');
    expect(metricNames(w)).toEqual(['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count']);
    for (const row of metrics(w)) expect(row[row.length - 1]).toMatchObject({ stat: 'Sum', period: 60 });
  });

  test('request count', () => {
    expect(metricNames(widget(body, 'Requests'))).toEqual(['RequestCount']);
  });

  test('target response time p50 and p99', () => {
    const w = widget(body, 'Target response time (seconds)');
    expect(metricNames(w)).toEqual(['TargetResponseTime', 'TargetResponseTime']);
    expect(metrics(w).map((row) => (row[row.length - 1] as Json).stat)).toEqual(['p50', 'p99']);
  });

  test.each([
    ['Blue group instances', () => blue],
    ['Green group instances', () => green],
  ])('%s: each lifecycle state and the desired capacity of that group', (title, group) => {
    const w = widget(body, title);
    expect(metricNames(w)).toEqual([
      'GroupInServiceInstances',
      'GroupStandbyInstances',
      'GroupPendingInstances',
      'GroupTerminatingInstances',
      'GroupDesiredCapacity',
    ]);
    for (const row of metrics(w)) {
      expect(row.slice(0, 4)).toEqual([
        'AWS/AutoScaling',
        row[1],
        'AutoScalingGroupName',
        `\${Ref:${logicalId(group(), stack)}}`,
      ]);
    }
  });

  test('release executions: started, succeeded, failed, aborted, timed out of the state machine', () => {
    const w = widget(body, 'Release executions');
    expect(metricNames(w)).toEqual([
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsAborted',
      'ExecutionsTimedOut',
    ]);
    for (const row of metrics(w)) {
      expect(row.slice(0, 4)).toEqual([
        'AWS/States',
        row[1],
        'StateMachineArn',
        `\${Ref:${logicalId(stateMachine, stack)}}`,
      ]);
    }
  });

  test('rollbacks: the EMF metric of the service, summed', () => {
    const graph = widget(body, 'Rollbacks');
    expect(metrics(graph)).toEqual([
      ['BlueGreen', 'Rollbacks', 'Service', 'shop', { label: 'Rollbacks', stat: 'Sum' }],
    ]);
    const total = widget(body, 'Rollbacks in the time range');
    expect(total.type).toBe('metric');
    expect(total.properties.setPeriodToTimeRange).toBe(true);
  });

  test('rows fill the 24-column grid', () => {
    const rows = new Map<number, number>();
    for (const w of body.widgets) rows.set(w.y, (rows.get(w.y) ?? 0) + w.width);
    expect([...rows.values()]).toEqual([24, 24, 24]);
  });
});

describe('ServiceMetrics', () => {
  const { stack, metrics } = synthDashboard();
  const resolve = (value: unknown) => stack.resolve(value);

  test('rollbacks: Sum over 5 minutes of BlueGreen/Rollbacks by Service, unless told otherwise', () => {
    const metric = metrics.rollbacks();
    expect(metric.namespace).toBe('BlueGreen');
    expect(metric.metricName).toBe('Rollbacks');
    expect(metric.dimensions).toEqual({ Service: 'shop' });
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toMinutes()).toBe(5);
    expect(metrics.rollbacks({ period: Duration.hours(1) }).period.toHours()).toBe(1);
  });

  test('target metrics: of the target group behind its load balancer, with their statistics', () => {
    const albName = { 'Fn::GetAtt': [expect.stringMatching(/^Alb/), 'LoadBalancerFullName'] };
    const cases: [cloudwatch.Metric, string, string][] = [
      [metrics.requestCount(), 'RequestCount', 'Sum'],
      [metrics.target5xxCount(), 'HTTPCode_Target_5XX_Count', 'Sum'],
      [metrics.targetResponseTime(), 'TargetResponseTime', 'Average'],
      [metrics.healthyHostCount(), 'HealthyHostCount', 'Average'],
      [metrics.unhealthyHostCount(), 'UnHealthyHostCount', 'Average'],
    ];
    for (const [metric, name, statistic] of cases) {
      expect([metric.namespace, metric.metricName, metric.statistic]).toEqual([
        'AWS/ApplicationELB',
        name,
        statistic,
      ]);
      expect(Object.keys(metric.dimensions ?? {}).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    }
    const elb = metrics.loadBalancer5xxCount({ period: Duration.minutes(1) });
    expect([elb.metricName, elb.statistic, elb.period.toSeconds()]).toEqual([
      'HTTPCode_ELB_5XX_Count',
      'Sum',
      60,
    ]);
    expect(resolve(elb.dimensions)).toEqual({ LoadBalancer: albName });
  });

  test('target5xxRate: the alarm expression over the target 5xx and request sums of one period', () => {
    const rate = metrics.target5xxRate({ period: Duration.minutes(1) });
    expect(rate.expression).toBe('IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 1), 0)');
    expect(rate.period.toSeconds()).toBe(60);
    const using = rate.usingMetrics as Record<string, cloudwatch.Metric>;
    expect(using.errors.metricName).toBe('HTTPCode_Target_5XX_Count');
    expect(using.requests.metricName).toBe('RequestCount');
    for (const metric of Object.values(using)) {
      expect([metric.statistic, metric.period.toSeconds()]).toEqual(['Sum', 60]);
    }
    expect(metrics.target5xxRate().period.toMinutes()).toBe(5);
  });
});

describe('BlueGreenService dashboard', () => {
  const { stack, service, template } = synthService({ database: DatabaseSource.none(), serviceTag: 'shop' });

  test('GIVEN defaults THEN a dashboard of the service, its name an output', () => {
    const body = dashboardBody(template);
    expect(body.widgets).toHaveLength(9);
    expect(JSON.stringify(body)).toContain(`\${Ref:${logicalId(service.stateMachine, stack)}}`);
    template.hasOutput('*', {
      Value: { Ref: logicalId(service.releaseDashboard!.dashboard, stack) },
      Description: Match.stringLikeRegexp('dashboard'),
    });
  });

  test('GIVEN defaults THEN both groups collect exactly the lifecycle metrics the dashboard shows', () => {
    const groups = resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties!.MetricsCollection).toEqual([
        {
          Granularity: '1Minute',
          Metrics: GROUP_LIFECYCLE_METRICS.map((m) => m.metricName),
        },
      ]);
    }
  });

  test('GIVEN metricRollbacks THEN the service-tagged rollback metric', () => {
    const metric = service.metricRollbacks({ statistic: 'Maximum' });
    expect(metric.dimensions).toEqual({ Service: 'shop' });
    expect(metric.statistic).toBe('Maximum');
  });

  test('GIVEN the metric methods THEN each is a metric the dashboard shows, on the same dimensions and statistic', () => {
    const shown = dashboardBody(template).widgets.flatMap((w) => (w.properties.metrics ?? []) as MetricRow[]);
    const methods: [string, cloudwatch.Metric][] = [
      ['metricRequestCount', service.metricRequestCount()],
      ['metricTarget5xxCount', service.metricTarget5xxCount()],
      ['metricLoadBalancer5xxCount', service.metricLoadBalancer5xxCount()],
      ['metricTargetResponseTime', service.metricTargetResponseTime({ statistic: 'p99' })],
      ['metricHealthyHostCount', service.metricHealthyHostCount()],
      ['metricUnhealthyHostCount', service.metricUnhealthyHostCount()],
      ['metricRollbacks', service.metricRollbacks()],
    ];
    for (const [method, metric] of methods) {
      const rows = shown.filter((row) => row[0] === metric.namespace && row[1] === metric.metricName);
      expect({ method, shown: rows.length > 0 }).toEqual({ method, shown: true });
      // [namespace, name, dimension, value, dimension, value, ..., options]
      const dimensionNames = rows[0].slice(2, -1).filter((_, i) => i % 2 === 0);
      expect(dimensionNames.sort()).toEqual(Object.keys(metric.dimensions ?? {}).sort());
      const statistics = rows.map((row) => (row[row.length - 1] as Json).stat ?? 'Average');
      expect(statistics).toContain(metric.statistic);
    }
    const rate = service.metricTarget5xxRate();
    expect(rate.expression).toBe(TARGET_5XX_RATE_EXPRESSION);
    expect(rate.period.toMinutes()).toBe(5);
  });

  test('GIVEN dashboard false THEN no dashboard and no output', () => {
    const off = synthService({ database: DatabaseSource.none(), dashboard: false });

    off.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(off.template.findOutputs('*')).some((id) => id.includes('DashboardName'))).toBe(false);
    expect(off.service.releaseDashboard).toBeUndefined();
  });
});
