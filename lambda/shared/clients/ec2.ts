/**
 * The EC2 client, for DescribeInstances (an instance's private address).
 *
 * `@aws-sdk/client-ec2` is not a dependency of this repository yet: it is loaded by name and
 * typed by the little used here. The bundles leave `@aws-sdk/*` to the Lambda runtime, which
 * ships the whole SDK v3, so the deployed function loads the real client; the rehearsal answers
 * its `send` like every other client's (lib/rehearsal/sdk-interceptor.ts).
 */

export interface DescribeInstancesOutput {
  readonly Reservations?: ReadonlyArray<{
    readonly Instances?: ReadonlyArray<{
      readonly InstanceId?: string;
      readonly PrivateIpAddress?: string;
      readonly State?: { readonly Name?: string };
    }>;
  }>;
}

interface Ec2Sdk {
  readonly EC2Client: new (config: object) => { send(command: unknown): Promise<DescribeInstancesOutput> };
  readonly DescribeInstancesCommand: new (input: { InstanceIds: string[] }) => unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require('@aws-sdk/client-ec2') as Ec2Sdk;

/** Created once per Lambda container (module scope); region and credentials come from the environment. */
export const ec2 = new sdk.EC2Client({});

export function describeInstancesCommand(instanceIds: string[]): unknown {
  return new sdk.DescribeInstancesCommand({ InstanceIds: instanceIds });
}
