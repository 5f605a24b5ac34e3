/** Who is calling (STS GetCallerIdentity): recorded as `requestedBy` and in approvals. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CliEnvironment } from './environment';

export async function callerArn(env: CliEnvironment): Promise<string> {
  const identity = await env.call(() => env.clients.sts.send(new GetCallerIdentityCommand({})));
  if (!identity.Arn) throw new Error('GetCallerIdentity returned no Arn');
  return identity.Arn;
}
