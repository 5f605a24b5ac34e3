/**
 * Finds the service a command acts on: from a stack's outputs (the service writes outputs whose
 * keys contain StateMachineArn, BlueGroupName, GreenGroupName and Url, after its construct path
 * and before CDK's hash), or from the state machine (tagged bluegreen:service, which also tags
 * both groups). Only reads; every way of not finding it is a UsageError naming the flag and value.
 */
import { DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { ListTagsForResourceCommand } from '@aws-sdk/client-sfn';
import { TagKeys, type Colour } from '../contract/tags';
import type { ServiceTarget } from './args';
import type { CliEnvironment } from './environment';
import { refusalLine, UsageError } from './errors';
import { readGroups, readGroupsByServiceTag, type GroupReading } from './fleet-reader';

export interface LocatedService {
  readonly stateMachineArn: string;
  readonly groupNames: Readonly<Record<Colour, string>>;
  readonly serviceTag?: string;
  readonly url?: string;
  /** The flags that name this service again, for the hints the CLI prints. */
  readonly selector: string;
}

/** One service's outputs in a stack, found by the construct-path prefix of their keys. */
export interface ServiceOutputs {
  readonly prefix: string;
  readonly stateMachineArn?: string;
  readonly blueGroupName?: string;
  readonly greenGroupName?: string;
  readonly url?: string;
}

const OUTPUT_KINDS = {
  StateMachineArn: 'stateMachineArn',
  BlueGroupName: 'blueGroupName',
  GreenGroupName: 'greenGroupName',
  Url: 'url',
} as const;
/** `<construct path><kind><CDK hash>`: the hash is 8 upper-case hex digits. */
const OUTPUT_KEY = /^(.*?)(StateMachineArn|BlueGroupName|GreenGroupName|Url)([0-9A-F]{8})?$/;

/** The services a stack's outputs describe (only those that name a state machine), by prefix. */
export function servicesInOutputs(outputs: readonly Output[]): ServiceOutputs[] {
  const byPrefix = new Map<string, Record<string, string>>();
  for (const output of outputs) {
    const match = OUTPUT_KEY.exec(output.OutputKey ?? '');
    if (!match || output.OutputValue === undefined) continue;
    const [, prefix, kind] = match;
    const entry = byPrefix.get(prefix) ?? { prefix };
    entry[OUTPUT_KINDS[kind as keyof typeof OUTPUT_KINDS]] = output.OutputValue;
    byPrefix.set(prefix, entry);
  }
  return [...byPrefix.values()]
    .filter((entry) => entry.stateMachineArn !== undefined)
    .sort((a, b) => a.prefix.localeCompare(b.prefix)) as unknown as ServiceOutputs[];
}

/** A candidate service of a stack, with the bluegreen:service tag read from its groups. */
export interface ServiceCandidate extends ServiceOutputs {
  readonly serviceTag?: string;
}

/** Picks the service: the only one, or the one `--service` names by tag or by construct path. */
export function chooseService(
  stack: string,
  candidates: readonly ServiceCandidate[],
  wanted?: string,
): ServiceCandidate {
  const describe = (c: ServiceCandidate) => (c.serviceTag ? `${c.serviceTag} (${c.prefix})` : c.prefix);
  if (candidates.length === 0) {
    throw new UsageError(
      `--stack (${stack}) has no output whose key contains StateMachineArn: it holds no BlueGreenService`,
    );
  }
  if (wanted === undefined) {
    if (candidates.length === 1) return candidates[0];
    throw new UsageError(
      `--stack (${stack}) holds ${candidates.length} services: pick one with --service <tag>: ${candidates.map(describe).join(', ')}`,
    );
  }
  const chosen = candidates.filter((c) => c.serviceTag === wanted || c.prefix === wanted);
  if (chosen.length !== 1) {
    throw new UsageError(
      `--service (${wanted}) matches ${chosen.length === 0 ? 'none' : 'more than one'} of the services of stack ${stack}: ${candidates.map(describe).join(', ')}`,
    );
  }
  return chosen[0];
}

export async function locateService(env: CliEnvironment, target: ServiceTarget): Promise<LocatedService> {
  if (target.stateMachineArn !== undefined) return byStateMachine(env, target.stateMachineArn);
  const stack = target.stack ?? env.defaultStack;
  if (stack === undefined) {
    throw new UsageError('no service given: pass --stack NAME or --state-machine ARN (see bluegreen --help)');
  }
  return byStack(env, stack, target.service);
}

async function byStack(env: CliEnvironment, stack: string, wanted?: string): Promise<LocatedService> {
  let outputs: Output[];
  try {
    const described = await env.call(() =>
      env.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stack })),
    );
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new UsageError(`--stack (${stack}): ${(error as Error).message}`);
    }
    throw new UsageError(refusalLine(error, { flag: '--stack', value: stack }));
  }
  const services = servicesInOutputs(outputs);
  const groupNames = services
    .flatMap((s) => [s.blueGroupName, s.greenGroupName])
    .filter((n): n is string => !!n);
  const groups = services.length > 1 || wanted !== undefined ? await readGroups(env, groupNames) : [];
  const candidates = services.map((s) => ({
    ...s,
    serviceTag: groups.find((g) => g.name === s.blueGroupName || g.name === s.greenGroupName)?.serviceTag,
  }));
  const chosen = chooseService(stack, candidates, wanted);
  if (!chosen.blueGroupName || !chosen.greenGroupName) {
    throw new UsageError(
      `--stack (${stack}): the service ${chosen.prefix} has no BlueGroupName or GreenGroupName output`,
    );
  }
  return {
    stateMachineArn: chosen.stateMachineArn!,
    groupNames: { blue: chosen.blueGroupName, green: chosen.greenGroupName },
    ...(chosen.serviceTag ? { serviceTag: chosen.serviceTag } : {}),
    ...(chosen.url ? { url: chosen.url } : {}),
    selector: `--stack ${stack}${wanted !== undefined ? ` --service ${wanted}` : ''}`,
  };
}

async function byStateMachine(env: CliEnvironment, arn: string): Promise<LocatedService> {
  let tags: { key?: string; value?: string }[];
  try {
    const listed = await env.call(() =>
      env.clients.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn })),
    );
    tags = listed.tags ?? [];
  } catch (error) {
    throw new UsageError(refusalLine(error, { flag: '--state-machine', value: arn }));
  }
  const serviceTag = tags.find((t) => t.key === TagKeys.service)?.value;
  if (!serviceTag) {
    throw new UsageError(
      `--state-machine (${arn}) has no ${TagKeys.service} tag: it is not a BlueGreenService release workflow`,
    );
  }
  const groups = await readGroupsByServiceTag(env, serviceTag);
  const named = (colour: Colour): GroupReading => {
    const found = groups.filter((g) => g.colourTag === colour);
    if (found.length !== 1) {
      throw new UsageError(
        `--state-machine (${arn}): ${found.length} Auto Scaling groups are tagged ${TagKeys.service}=${serviceTag} and ${TagKeys.colour}=${colour}, expected 1`,
      );
    }
    return found[0];
  };
  return {
    stateMachineArn: arn,
    groupNames: { blue: named('blue').name, green: named('green').name },
    serviceTag,
    selector: `--state-machine ${arn}`,
  };
}
