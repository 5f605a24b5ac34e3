import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DatabaseSource } from '../../lib/database';
import { GROUP_LIFECYCLE_METRICS, ReleaseDashboard, rollbacksMetric } from '../../lib/release-dashboard';
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
function synthDashboard() {
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
  const dashboard = new ReleaseDashboard(stack, 'Release', {
    loadBalancer,
    targetGroup,
    blue,
    green,
    stateMachine,
    serviceTag: 'shop',
  });
  const template = Template.fromStack(stack);
  return { stack, blue, green, stateMachine, dashboard, template, body: dashboardBody(template) };
}

describe('ReleaseDashboard', () => {
  const { stack, blue, green, stateMachine, dashboard, template, body } = synthDashboard();

  test('one dashboard, named by CloudFormation', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
    expect(dashboard.dashboard).toBeDefined();
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

describe('rollbacksMetric', () => {
  test('Sum over 5 minutes of BlueGreen/Rollbacks by Service, unless told otherwise', () => {
    const metric = rollbacksMetric('shop');
    expect(metric.namespace).toBe('BlueGreen');
    expect(metric.metricName).toBe('Rollbacks');
    expect(metric.dimensions).toEqual({ Service: 'shop' });
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toMinutes()).toBe(5);
    expect(rollbacksMetric('shop', { period: Duration.hours(1) }).period.toHours()).toBe(1);
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

  test('GIVEN dashboard false THEN no dashboard and no output', () => {
    const off = synthService({ database: DatabaseSource.none(), dashboard: false });

    off.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(off.template.findOutputs('*')).some((id) => id.includes('DashboardName'))).toBe(false);
    expect(off.service.releaseDashboard).toBeUndefined();
  });
});
