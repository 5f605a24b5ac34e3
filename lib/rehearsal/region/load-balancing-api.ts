/** The Elastic Load Balancing v2 reads a release needs: target health and target group settings. */
import { serviceError } from './errors';
import { pageOf, type CommandInput, type CommandTable } from './commands';
import type { InstanceRegistry } from './instances';
import type { TargetGroup, TargetGroups } from './target-group';
import { ViewHistory, type StaleReads } from './stale-reads';

/** One registered target as DescribeTargetHealth reads it. */
interface TargetRecord {
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

/** Registered targets by target group ARN, then instance ID (in registration order). */
type TargetHealthView = ReadonlyMap<string, ReadonlyMap<string, TargetRecord>>;

export const LoadBalancingMessages = {
  /** (seen in AWS docs for TargetGroupNotFound) */
  targetGroupNotFound: () => 'One or more target groups not found',
  /** (inferred) */
  invalidTarget: (ids: string[]) => `The following targets are not valid instances: '${ids.join("', '")}'`,
} as const;

export class LoadBalancingApi {
  /** Recent views for eventually consistent reads; fresh ones when `stale` is absent or off. */
  private readonly views?: ViewHistory<TargetHealthView>;

  constructor(
    private readonly targetGroups: TargetGroups,
    private readonly registry: InstanceRegistry,
    stale?: StaleReads,
  ) {
    if (stale) this.views = new ViewHistory(stale, () => this.takeView());
  }

  /** Records target health as it is now, for later stale reads. */
  public recordView(): void {
    this.views?.record();
  }

  public commands(): CommandTable {
    return {
      DescribeTargetHealth: {
        mutating: false,
        params: ['TargetGroupArn', 'Targets'],
        run: (input) => this.describeTargetHealth(input),
      },
      DescribeTargetGroups: {
        mutating: false,
        params: ['TargetGroupArns', 'Names', 'PageSize', 'Marker'],
        run: (input) => this.describeTargetGroups(input),
      },
      DescribeTargetGroupAttributes: {
        mutating: false,
        params: ['TargetGroupArn'],
        run: (input) => ({
          Attributes: [
            {
              Key: 'deregistration_delay.timeout_seconds',
              Value: String(this.group(input.TargetGroupArn).deregistrationDelaySeconds),
            },
          ],
        }),
      },
    };
  }

  private describeTargetHealth(input: CommandInput): Record<string, unknown> {
    const group = this.group(input.TargetGroupArn);
    const asked: { Id: string; Port?: number }[] | undefined = input.Targets;
    const targets = (this.views ? this.views.read() : this.takeView()).get(group.arn) ?? new Map();
    if (asked === undefined) {
      return {
        TargetHealthDescriptions: [...targets.entries()].map(([id, t]) =>
          description(group, id, t.state, t.reason, t.description),
        ),
      };
    }
    const invalid = asked.map((t) => t.Id).filter((id) => !this.registry.everLaunched(id));
    if (invalid.length > 0)
      throw serviceError(
        'ElasticLoadBalancingV2',
        'InvalidTarget',
        LoadBalancingMessages.invalidTarget(invalid),
      );
    return {
      TargetHealthDescriptions: asked.map(({ Id }) => {
        const target = targets.get(Id);
        if (target) return description(group, Id, target.state, target.reason, target.description);
        const instance = this.registry.get(Id);
        if (!instance || instance.lifecycleState === 'Terminated') {
          return description(
            group,
            Id,
            'unused',
            'Target.InvalidState',
            'Target is in the stopped or terminated state',
          );
        }
        return description(
          group,
          Id,
          'unused',
          'Target.NotRegistered',
          'Target is not registered to the target group',
        );
      }),
    };
  }

  private takeView(): TargetHealthView {
    return new Map(
      this.targetGroups
        .list()
        .map((tg) => [
          tg.arn,
          new Map(
            [...tg.targets.values()].map((t) => [
              t.instance.id,
              { state: t.state, reason: t.reason, description: t.description },
            ]),
          ),
        ]),
    );
  }

  private describeTargetGroups(input: CommandInput): Record<string, unknown> {
    let groups = this.targetGroups.list();
    const arns: string[] | undefined = input.TargetGroupArns;
    const names: string[] | undefined = input.Names;
    if (arns) {
      if (arns.some((arn) => !this.targetGroups.get(arn))) throw this.notFound();
      groups = groups.filter((g) => arns.includes(g.arn));
    }
    if (names) {
      if (names.some((n) => !groups.some((g) => g.name === n))) throw this.notFound();
      groups = groups.filter((g) => names.includes(g.name));
    }
    const { page, nextToken } = pageOf(groups, input.PageSize ?? 400, input.Marker, () =>
      serviceError('ElasticLoadBalancingV2', 'ValidationError', 'Invalid Marker'),
    );
    return {
      TargetGroups: page.map((g) => ({
        TargetGroupArn: g.arn,
        TargetGroupName: g.name,
        Protocol: 'HTTP',
        Port: g.port,
        TargetType: 'instance',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckEnabled: true,
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: g.intervalSeconds,
        HealthCheckTimeoutSeconds: g.timeoutSeconds,
        HealthyThresholdCount: g.healthyThreshold,
        UnhealthyThresholdCount: g.unhealthyThreshold,
        Matcher: { HttpCode: '200' },
        LoadBalancerArns: [],
      })),
      NextMarker: nextToken,
    };
  }

  private group(arn: unknown): TargetGroup {
    const group = typeof arn === 'string' ? this.targetGroups.get(arn) : undefined;
    if (!group) throw this.notFound();
    return group;
  }

  private notFound(): Error {
    return serviceError(
      'ElasticLoadBalancingV2',
      'TargetGroupNotFound',
      LoadBalancingMessages.targetGroupNotFound(),
    );
  }
}

function description(group: TargetGroup, id: string, state: string, reason?: string, text?: string) {
  return {
    Target: { Id: id, Port: group.port },
    HealthCheckPort: String(group.port),
    TargetHealth:
      reason === undefined ? { State: state } : { State: state, Reason: reason, Description: text },
  };
}
