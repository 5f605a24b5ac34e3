/**
 * The little of EC2 the release needs: DescribeInstances with InstanceIds, answering each
 * instance's ID, private address, Availability Zone and state (Auto Scaling's own calls do not
 * return the private address). Wordings marked (seen) were found in public reports of real AWS
 * responses. docs/aws-model.md, "Lifecycle hooks".
 */
import type { CommandInput, CommandTable } from './commands';
import { pageOf } from './commands';
import { notSimulated, serviceError } from './errors';
import type { Instance, InstanceRegistry } from './instances';

export const Ec2Messages = {
  /** (seen) */
  notFound: (ids: readonly string[]) =>
    ids.length === 1
      ? `The instance ID '${ids[0]}' does not exist`
      : `The instance IDs '${ids.join(', ')}' do not exist`,
  /** (seen) */
  malformed: (id: string) => `Invalid id: "${id}"`,
  /** (inferred) */
  invalidNextToken: () => 'The nextToken value is invalid.',
} as const;

/** EC2 instance states (code, name) as DescribeInstances reports them. */
const EC2_STATES = {
  pending: { Code: 0, Name: 'pending' },
  running: { Code: 16, Name: 'running' },
  shuttingDown: { Code: 32, Name: 'shutting-down' },
  terminated: { Code: 48, Name: 'terminated' },
} as const;

export class Ec2Api {
  constructor(
    private readonly registry: InstanceRegistry,
    private readonly accountId: string,
  ) {}

  public commands(): CommandTable {
    return {
      DescribeInstances: {
        mutating: false,
        params: ['InstanceIds', 'MaxResults', 'NextToken'],
        run: (input) => this.describeInstances(input),
      },
    };
  }

  private describeInstances(input: CommandInput): Record<string, unknown> {
    const ids = input.InstanceIds;
    if (ids === undefined) throw notSimulated('EC2.DescribeInstances without InstanceIds');
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw ec2Error('InvalidParameterValue', 'InstanceIds must be a list of strings');
    }
    for (const id of ids as string[]) {
      if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id))
        throw ec2Error('InvalidInstanceID.Malformed', Ec2Messages.malformed(id));
    }
    const unique = [...new Set(ids as string[])];
    const missing = unique.filter((id) => !this.registry.get(id));
    if (missing.length > 0) throw ec2Error('InvalidInstanceID.NotFound', Ec2Messages.notFound(missing));
    if (input.MaxResults !== undefined) {
      throw ec2Error(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    const instances = unique.map((id) => this.registry.get(id) as Instance);
    const { page, nextToken } = pageOf(instances, 1000, input.NextToken, () =>
      ec2Error('InvalidParameterValue', Ec2Messages.invalidNextToken()),
    );
    return {
      Reservations: page.map((i) => ({
        ReservationId: `r-0${i.id.slice(3)}`,
        OwnerId: this.accountId,
        Instances: [
          {
            InstanceId: i.id,
            PrivateIpAddress: i.privateIpAddress,
            Placement: { AvailabilityZone: i.availabilityZone },
            State: { ...ec2State(i) },
          },
        ],
      })),
      NextToken: nextToken,
    };
  }
}

/** The EC2 state of an instance the Auto Scaling group manages. */
function ec2State(instance: Instance): { Code: number; Name: string } {
  if (instance.lifecycleState === 'Terminated') return EC2_STATES.terminated;
  if (instance.lifecycleState === 'Terminating') return EC2_STATES.shuttingDown;
  if (instance.lifecycleState === 'Pending' && !instance.booted) return EC2_STATES.pending;
  return EC2_STATES.running;
}

function ec2Error(code: string, message: string): Error {
  return serviceError('EC2', code, message, 400);
}
