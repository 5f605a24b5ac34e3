/**
 * Reads what the rehearsal needs from a synthesized CloudFormation template: the state machine
 * definition, the step functions and their environment, the groups, the target group and the
 * lock table. Intrinsic functions are resolved against simulated physical ids; anything this
 * reader does not understand is an error, never a guess.
 */
import { createHash } from 'crypto';
import { TARGET_5XX_RATE_EXPRESSION } from '../contract/metrics';
import { TagKeys } from '../contract/tags';
import type { TargetErrorRateAlarmSpec } from './region/alarms';
import type { AutoScalingGroupSpec, TargetGroupSpec } from './region';
import { chooseTemplateService, servicesInTemplate } from './template-services';
import { lifecycleHooksOfGroup } from './template-lifecycle-hooks';
import { hookPointOfState, hookTask, type HookTaskInfo } from './template-release-hooks';
import { lifecycleActionRules, type LifecycleActionRuleInfo } from './template-instance-validation';

export const SIMULATED_REGION = 'sim-east-1';
export const SIMULATED_ACCOUNT = '123456789012';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: Json; Description?: string; Export?: { Name: Json } }>;
}

/** The Task resource of Step Functions' SNS integration with the callback (task token) pattern. */
export const SNS_PUBLISH_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::sns:publish.waitForTaskToken';

/** A Task state that publishes to SNS and waits for SendTaskSuccess / SendTaskFailure. */
export interface CallbackTaskInfo {
  readonly resource: string;
  /** As the execution history names it: `sns`. */
  readonly resourceType: string;
  /** As the execution history names it: `publish.waitForTaskToken`. */
  readonly resourceAction: string;
  /** The state's TimeoutSeconds, if it sets one. */
  readonly timeoutSeconds?: number;
}

/** A stack output as DescribeStacks returns it. */
export interface StackOutputInfo {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

export interface ReadTemplateOptions {
  /** What `AWS::StackName` resolves to, and the stack DescribeStacks knows. @default 'RehearsalStack' */
  readonly stackName?: string;
  /**
   * Which service of the template (its `bluegreen:service` tag or construct path) when it holds
   * several. @default - the template's only service
   */
  readonly service?: string;
}

export const DEFAULT_STACK_NAME = 'RehearsalStack';

export interface StepFunctionInfo {
  readonly logicalId: string;
  readonly arn: string;
  /** The `bluegreen:step` metadata: the handler folder under `lambda/`. */
  readonly step: string;
  readonly environment: Record<string, string>;
  /** The function's timeout (Lambda's default is 3 s). */
  readonly timeoutSeconds: number;
}

/** A group as the region needs it, plus where it came from. */
export interface GroupInfo extends AutoScalingGroupSpec {
  readonly logicalId: string;
}

/** A target group as the region needs it, plus where it came from. */
export interface TargetGroupInfo extends TargetGroupSpec {
  readonly logicalId: string;
}

export interface TableInfo {
  readonly name: string;
  readonly partitionKey: string;
}

export interface ServiceTemplateInfo {
  /** The service's `bluegreen:service` tag. */
  readonly serviceTag: string;
  readonly definition: Json;
  readonly stateMachineArn: string;
  /** Task state name → the step function it invokes. */
  readonly taskSteps: Record<string, StepFunctionInfo>;
  /** Task state name → an SNS publish that waits for a task token (an approval gate). */
  readonly callbackTasks: Record<string, CallbackTaskInfo>;
  /** Task state name → the user function a release hook invokes. @default - no release hook */
  readonly hookTasks?: Record<string, HookTaskInfo>;
  /**
   * The EventBridge rules on the groups' launch lifecycle actions and the validator each invokes
   * (pre-traffic validation). @default - none
   */
  readonly lifecycleActionRules?: LifecycleActionRuleInfo[];
  /** The state machine's tags (ListTagsForResource). */
  readonly stateMachineTags: { key: string; value: string }[];
  /** The role the state machine runs as (the ExecutionStarted event names it). */
  readonly stateMachineRoleArn?: string;
  readonly stackName: string;
  /** The template's outputs, resolved (DescribeStacks). */
  readonly outputs: StackOutputInfo[];
  readonly stepFunctions: StepFunctionInfo[];
  readonly groups: GroupInfo[];
  readonly targetGroups: TargetGroupInfo[];
  readonly tables: TableInfo[];
  /** Names of the template's CloudWatch alarms. */
  readonly alarmNames: string[];
  /** Of those, the target 5xx-rate alarms (BlueGreenService's default), which the region evaluates. */
  readonly targetErrorRateAlarms: TargetErrorRateAlarmSpec[];
}

/** AWS defaults for a target group when the template leaves a setting out. */
const TARGET_GROUP_DEFAULTS = { interval: 30, timeout: 5, healthy: 5, unhealthy: 2, deregistration: 300 };

export function readServiceTemplate(
  synthesized: CfnTemplate | Record<string, Json>,
  options: ReadTemplateOptions = {},
): ServiceTemplateInfo {
  const template = synthesized as CfnTemplate;
  const stackName = options.stackName ?? DEFAULT_STACK_NAME;
  const resolver = new IntrinsicResolver(template, stackName);
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

  // Only the chosen service is rehearsed: its state machine, the step functions it invokes, the
  // groups tagged as its own and what those name (target groups, lock table, alarms).
  const service = chooseTemplateService(servicesInTemplate(template), options.service, 'the template');
  const machineId = service.stateMachineLogicalId;
  const machine = template.Resources[machineId];
  const definition = JSON.parse(resolver.resolve(machine.Properties?.DefinitionString));
  const invoked = new Set(Object.values<Json>(definition.States).map((state) => state.Resource));

  const stepFunctions: StepFunctionInfo[] = ofType('AWS::Lambda::Function')
    .filter(([, r]) => r.Metadata?.['bluegreen:step'])
    .map(([id, r]) => ({
      logicalId: id,
      arn: resolver.physicalId(id, 'Arn'),
      step: r.Metadata!['bluegreen:step'],
      environment: resolver.resolve(r.Properties?.Environment?.Variables ?? {}),
      timeoutSeconds: Number(r.Properties?.Timeout ?? 3),
    }))
    .filter((fn) => invoked.has(fn.arn));
  /** Whether the service's step functions name a resource in their environment (a table, an alarm). */
  const environmentText = JSON.stringify(stepFunctions.map((fn) => fn.environment));
  const namedByService = (physicalId: string) =>
    environmentText.includes(JSON.stringify(physicalId).slice(1, -1));

  const taskSteps: Record<string, StepFunctionInfo> = {};
  const callbackTasks: Record<string, CallbackTaskInfo> = {};
  const hookTasks: Record<string, HookTaskInfo> = {};
  for (const [name, state] of Object.entries<Json>(definition.States)) {
    if (state.Type !== 'Task') continue;
    if (state.Resource === SNS_PUBLISH_WAIT_FOR_TASK_TOKEN) {
      callbackTasks[name] = callbackTask(name, state);
      continue;
    }
    const hookPoint = hookPointOfState(name);
    if (hookPoint) {
      hookTasks[name] = hookTask(name, hookPoint, state, {
        resources,
        functionArn: (id) => resolver.physicalId(id, 'Arn'),
      });
      continue;
    }
    const fn = stepFunctions.find((f) => f.arn === state.Resource);
    if (!fn)
      throw new Error(`Task state ${name} invokes ${state.Resource}, which is not a release step function`);
    taskSteps[name] = fn;
  }

  const groups: GroupInfo[] = ofType('AWS::AutoScaling::AutoScalingGroup').flatMap(([id, r]): GroupInfo[] => {
    const p = resolver.resolve(r.Properties ?? {});
    const tagged = (p.Tags ?? []).some((t: Json) => t.Key === TagKeys.service && t.Value === service.tag);
    if (!tagged) return [];
    return [
      {
        logicalId: id,
        name: resolver.physicalId(id),
        minSize: Number(p.MinSize),
        maxSize: Number(p.MaxSize),
        desiredCapacity: p.DesiredCapacity === undefined ? undefined : Number(p.DesiredCapacity),
        targetGroupArns: p.TargetGroupARNs ?? [],
        healthCheckType: p.HealthCheckType === 'ELB' ? 'ELB' : 'EC2',
        healthCheckGracePeriodSeconds: Number(p.HealthCheckGracePeriod ?? 0),
        lifecycleHooks: lifecycleHooksOfGroup(resolver.physicalId(id), p, {
          resources,
          resolve: (value) => resolver.resolve(value),
          physicalId: (logicalId) => resolver.physicalId(logicalId),
        }),
        tags: (p.Tags ?? []).map((t: Json) => ({
          key: t.Key,
          value: t.Value,
          propagateAtLaunch: t.PropagateAtLaunch === true || t.PropagateAtLaunch === 'true',
        })),
      },
    ];
  });
  const groupTargetGroups = new Set(groups.flatMap((g) => g.targetGroupArns));
  const validationRules = lifecycleActionRules(
    groups.map((g) => g.name),
    {
      resources,
      resolve: (value) => resolver.resolve(value),
      functionArn: (id) => resolver.physicalId(id, 'Arn'),
      functionName: (id) => resolver.physicalId(id),
    },
  );

  const targetGroups: TargetGroupInfo[] = ofType('AWS::ElasticLoadBalancingV2::TargetGroup')
    .filter(
      ([id]) => groupTargetGroups.has(resolver.physicalId(id)) || namedByService(resolver.physicalId(id)),
    )
    .map(([id, r]) => {
      const p = resolver.resolve(r.Properties ?? {});
      const attribute = (key: string) =>
        (p.TargetGroupAttributes ?? []).find((a: Json) => a.Key === key)?.Value as string | undefined;
      const d = TARGET_GROUP_DEFAULTS;
      return {
        logicalId: id,
        arn: resolver.physicalId(id),
        // The traffic port: where the instances' app listens (direct checks reach it there).
        port: Number(p.Port ?? 80),
        healthCheckIntervalSeconds: Number(p.HealthCheckIntervalSeconds ?? d.interval),
        healthCheckTimeoutSeconds: Number(p.HealthCheckTimeoutSeconds ?? d.timeout),
        healthyThreshold: Number(p.HealthyThresholdCount ?? d.healthy),
        unhealthyThreshold: Number(p.UnhealthyThresholdCount ?? d.unhealthy),
        deregistrationDelaySeconds: Number(
          attribute('deregistration_delay.timeout_seconds') ?? d.deregistration,
        ),
      };
    });

  const tables: TableInfo[] = ofType('AWS::DynamoDB::Table')
    .filter(([id]) => namedByService(resolver.physicalId(id)))
    .map(([id, r]) => {
      const hash = (r.Properties?.KeySchema ?? []).find((k: Json) => k.KeyType === 'HASH');
      return { name: resolver.physicalId(id), partitionKey: hash?.AttributeName };
    });

  const alarms = ofType('AWS::CloudWatch::Alarm');
  const alarmNames = alarms.map(([id]) => resolver.physicalId(id));
  const targetErrorRateAlarms = alarms.flatMap(([id, r]): TargetErrorRateAlarmSpec[] => {
    const metrics: Json[] = r.Properties?.Metrics ?? [];
    if (!metrics.some((m) => m.Expression === TARGET_5XX_RATE_EXPRESSION)) return [];
    // Another service's 5xx alarm watches another target group's traffic.
    if (!namedByService(resolver.physicalId(id))) return [];
    return [
      {
        name: resolver.physicalId(id),
        thresholdPercent: Number(r.Properties?.Threshold),
        periodSeconds: Number(metrics.find((m) => m.MetricStat)?.MetricStat.Period ?? 60),
        evaluationPeriods: Number(r.Properties?.EvaluationPeriods ?? 1),
      },
    ];
  });

  const outputs: StackOutputInfo[] = Object.entries(template.Outputs ?? {}).map(([key, output]) => ({
    key,
    value: String(resolver.resolve(output.Value)),
    ...(output.Description !== undefined ? { description: output.Description } : {}),
    ...(output.Export ? { exportName: String(resolver.resolve(output.Export.Name)) } : {}),
  }));
  const machineProps = {
    Tags: resolver.resolve(machine.Properties?.Tags ?? []),
    RoleArn: resolver.resolve(machine.Properties?.RoleArn),
  };

  return {
    serviceTag: service.tag,
    definition,
    stateMachineArn: resolver.physicalId(machineId),
    taskSteps,
    callbackTasks,
    hookTasks,
    lifecycleActionRules: validationRules,
    stateMachineTags: (machineProps.Tags ?? []).map((t: Json) => ({
      key: String(t.Key),
      value: String(t.Value),
    })),
    ...(machineProps.RoleArn !== undefined ? { stateMachineRoleArn: String(machineProps.RoleArn) } : {}),
    stackName,
    outputs,
    stepFunctions,
    groups,
    targetGroups,
    tables,
    alarmNames,
    targetErrorRateAlarms,
  };
}

/** An approval gate's Task state: only what the rehearsal models is accepted. */
function callbackTask(name: string, state: Json): CallbackTaskInfo {
  for (const unsupported of [
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'TimeoutSecondsPath',
    'Credentials',
  ]) {
    if (state[unsupported] !== undefined) {
      throw new Error(`Task state ${name}: ${unsupported} is not simulated for ${state.Resource}`);
    }
  }
  const [, service, action] = /^arn:aws:states:::([a-z0-9-]+):(.+)$/.exec(state.Resource) ?? [];
  return {
    resource: state.Resource,
    resourceType: service,
    resourceAction: action,
    ...(state.TimeoutSeconds !== undefined ? { timeoutSeconds: Number(state.TimeoutSeconds) } : {}),
  };
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split and pseudo parameters. */
export class IntrinsicResolver {
  private readonly template: CfnTemplate;

  /** @param template a synthesized template (`Template.toJSON()` is accepted as it is typed) */
  constructor(
    template: CfnTemplate | Record<string, Json>,
    private readonly stackName: string = DEFAULT_STACK_NAME,
  ) {
    this.template = template as CfnTemplate;
  }

  public resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], value[keys[0]]);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  /** The simulated physical id (Ref) or attribute of a resource. */
  public physicalId(logicalId: string, attribute?: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template has no resource ${logicalId}`);
    const region = SIMULATED_REGION;
    const account = SIMULATED_ACCOUNT;
    const name = logicalId.toLowerCase();
    switch (`${resource.Type}${attribute ? '.' + attribute : ''}`) {
      case 'AWS::Lambda::Function':
        return logicalId;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::StepFunctions::StateMachine.Arn':
        return `arn:aws:states:${region}:${account}:stateMachine:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine.Name':
        return logicalId;
      case 'AWS::AutoScaling::AutoScalingGroup':
        return logicalId;
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        // AWS: a name of at most 32 characters and a 16-hex-digit id; here the id is derived from
        // the whole logical id, so two target groups whose ids share a prefix stay apart.
        return `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${logicalId.slice(0, 32)}/${createHash('sha256').update(logicalId).digest('hex').slice(0, 16)}`;
      case 'AWS::DynamoDB::Table':
        return logicalId;
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${logicalId}`;
      case 'AWS::S3::Bucket':
        return name;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::RDS::DBInstance.Endpoint.Address':
        return `${name}.sim.rds.amazonaws.com`;
      case 'AWS::RDS::DBInstance.Endpoint.Port':
        return '3306';
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${account}:secret:${logicalId}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${logicalId}`;
      case 'AWS::SNS::Topic.TopicName':
        return logicalId;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${logicalId}`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName':
        return `${name.slice(0, 32)}-1234567890.${region}.elb.amazonaws.com`;
      default:
        return attribute ? `${logicalId}.${attribute}` : logicalId;
    }
  }

  private intrinsic(name: string, arg: Json): Json {
    switch (name) {
      case 'Ref':
        return this.ref(arg);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.+)/);
        return this.physicalId(id, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg;
        return this.resolve(parts).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = this.resolve(arg);
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = this.resolve(arg);
        return String(text).split(separator);
      }
      default:
        throw new Error(`the rehearsal cannot resolve ${name} in the template`);
    }
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': SIMULATED_REGION,
      'AWS::AccountId': SIMULATED_ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
    };
    if (pseudo[id]) return pseudo[id];
    if (this.template.Resources[id]) return this.physicalId(id);
    throw new Error(`the rehearsal cannot resolve Ref ${id} (a parameter?)`);
  }
}
