/**
 * A stand-in for `@aws-sdk/client-ec2` while it is not installed in this repository: the two
 * classes the validator uses, with the constructor shapes of the real ones. The rehearsal replaces
 * `send` on every client class it answers (sdk-interceptor.ts), so the real client's
 * serialization would not run there either; on AWS the Lambda runtime provides the real client.
 * Used only when `require('@aws-sdk/client-ec2')` cannot be resolved.
 */
export class EC2Client {
  constructor(public readonly config: object = {}) {}

  public send(command: { constructor: { name: string } }): Promise<never> {
    return Promise.reject(
      new Error(
        `not simulated: ${command.constructor.name} outside a rehearsal (install @aws-sdk/client-ec2)`,
      ),
    );
  }

  public destroy(): void {}
}

export class DescribeInstancesCommand {
  constructor(public readonly input: { readonly InstanceIds?: string[] }) {}
}
