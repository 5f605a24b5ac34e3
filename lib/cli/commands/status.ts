/**
 * `status`: what serves and what waits. The groups' tags say which colour is live, standby or
 * idle and which version each runs; Auto Scaling and the target group say how many instances
 * are where and how many targets are healthy; ListExecutions says what is running.
 */
import type { TargetHealthState } from '../../contract/fleet-view';
import type { ServiceCommand } from '../args';
import type { CliEnvironment } from '../environment';
import { describeCanary } from '../../contract/canary';
import { currentPosition, describeExecution, listExecutions } from '../execution-reader';
import {
  groupHealth,
  lifecycleCounts,
  readGroups,
  readTargetHealth,
  type GroupReading,
} from '../fleet-reader';
import { count, formatDuration, table } from '../format';
import type { Printer } from '../io';
import { locateService, type LocatedService } from '../locate';

export interface RunningExecution {
  readonly name: string;
  readonly step?: string;
  /** Epoch ms the execution entered that step. */
  readonly stepSince?: number;
  readonly startedAt?: number;
  readonly requestedBy?: string;
  /** Where its canary stands, while it runs one (see `describeCanary`). */
  readonly canary?: string;
}

export interface StatusView {
  readonly service: LocatedService;
  readonly groups: readonly GroupReading[];
  readonly targetHealth: Readonly<Record<string, TargetHealthState>>;
  readonly running: readonly RunningExecution[];
  readonly now: number;
}

export async function runStatus(
  env: CliEnvironment,
  command: Extract<ServiceCommand, { name: 'status' }>,
  out: Printer,
): Promise<number> {
  const service = await locateService(env, command.target);
  const groups = await readGroups(env, [service.groupNames.blue, service.groupNames.green]);
  const targetGroupArn = groups.find((g) => g.targetGroupArns.length > 0)?.targetGroupArns[0];
  const targetHealth = targetGroupArn ? await readTargetHealth(env, targetGroupArn) : {};
  const running: RunningExecution[] = [];
  for (const execution of await listExecutions(env, service.stateMachineArn, 10, 'RUNNING')) {
    const arn = execution.executionArn!;
    const { step, state } = await currentPosition(env, arn);
    const described = await describeExecution(env, arn);
    const canary = describeCanary(state, env.now());
    running.push({
      name: execution.name ?? arn,
      ...(step ? { step: step.name, stepSince: step.time } : {}),
      ...(canary ? { canary } : {}),
      ...(execution.startDate ? { startedAt: execution.startDate.getTime() } : {}),
      ...requestedByOf(described.input),
    });
  }
  out.lines(statusLines({ service, groups, targetHealth, running, now: env.now() }));
  return 0;
}

/** The status as lines of two columns. */
export function statusLines(view: StatusView): string[] {
  const byRole = (role: string) => view.groups.filter((g) => (g.tags.role ?? 'idle') === role);
  const rows: string[][] = [];
  const serviceName = view.service.serviceTag ?? view.groups.find((g) => g.serviceTag)?.serviceTag ?? '?';
  rows.push(['service', `${serviceName}  (${view.service.selector})`]);
  if (view.service.url) rows.push(['url', view.service.url]);

  const live = byRole('live');
  if (live.length === 0) rows.push(['live', 'none (nothing released yet)']);
  for (const group of live) {
    const { healthy } = groupHealth(group, view.targetHealth);
    rows.push(['live', `${describeGroup(group)}  ${instanceStates(group)}  ${healthy} healthy`]);
  }
  const standby = byRole('standby');
  if (standby.length === 0) rows.push(['standby', '-']);
  for (const group of standby) {
    const inStandby = group.instances.filter((i) => i.lifecycleState === 'Standby').length;
    rows.push(['standby', `${describeGroup(group)}  ${inStandby} in Standby`]);
  }
  const idle = byRole('idle');
  if (idle.length === 0) rows.push(['idle', '-']);
  for (const group of idle) rows.push(['idle', `${describeGroup(group)}  ${instanceStates(group)}`]);
  for (const group of view.groups.filter(
    (g) => !['live', 'standby', 'idle'].includes(g.tags.role ?? 'idle'),
  )) {
    rows.push([`role ${group.tags.role}`, `${describeGroup(group)}  ${instanceStates(group)}`]);
  }

  if (view.running.length === 0) rows.push(['running', '-']);
  for (const e of view.running) {
    const at = e.step
      ? ` at ${e.step}${e.stepSince !== undefined ? ` for ${formatDuration((view.now - e.stepSince) / 1000)}` : ''}`
      : '';
    const age =
      e.startedAt !== undefined ? `, started ${formatDuration((view.now - e.startedAt) / 1000)} ago` : '';
    rows.push(['running', `${e.name}${at}${age}${e.requestedBy ? ` by ${e.requestedBy}` : ''}`]);
    if (e.canary) rows.push(['', e.canary]);
  }
  rows.push(['targets', targetSummary(view.targetHealth)]);
  return table(rows);
}

function describeGroup(group: GroupReading): string {
  return `${group.colourTag ?? '?'}  version ${group.tags.version ?? '-'}  (${group.name})`;
}

function instanceStates(group: GroupReading): string {
  const counts = Object.entries(lifecycleCounts(group));
  if (counts.length === 0) return 'no instances';
  return counts.map(([state, n]) => `${n} ${state}`).join(', ');
}

function targetSummary(targetHealth: Readonly<Record<string, string>>): string {
  const states = Object.values(targetHealth);
  if (states.length === 0) return 'no targets registered';
  const byState = new Map<string, number>();
  for (const state of states) byState.set(state, (byState.get(state) ?? 0) + 1);
  const healthy = byState.get('healthy') ?? 0;
  const others = [...byState.entries()].filter(([s]) => s !== 'healthy').map(([s, n]) => `${n} ${s}`);
  return `${healthy} healthy of ${count(states.length, 'target')}${others.length ? ` (${others.join(', ')})` : ''}`;
}

function requestedByOf(input: string | undefined): { requestedBy?: string } {
  try {
    const parsed = JSON.parse(input ?? '{}');
    return typeof parsed.requestedBy === 'string' ? { requestedBy: parsed.requestedBy } : {};
  } catch {
    return {};
  }
}
