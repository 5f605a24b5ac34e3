/**
 * What a command talks to: the SDK clients, how a call is made, and the clock. Against AWS: the
 * SDK's usual credential and region chain, calls retried on throttling with the shared backoff,
 * the wall clock. In a rehearsal (rehearsal-environment.ts): the same clients answered by the
 * simulated region, on its virtual clock.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { withRetry } from '../contract/retry';
import type { ApprovalAnswer } from './args';

export interface CliClients {
  readonly sfn: SFNClient;
  readonly cloudFormation: CloudFormationClient;
  readonly sts: STSClient;
  readonly autoScaling: AutoScalingClient;
  readonly loadBalancing: ElasticLoadBalancingV2Client;
}

export interface CliEnvironment {
  readonly clients: CliClients;
  /** Makes one AWS call (`() => client.send(command)`), retrying throttling with backoff. */
  call<T>(send: () => Promise<T>): Promise<T>;
  /** Epoch ms: the wall clock, or the rehearsal's virtual clock. */
  now(): number;
  /** Lets time pass (in a rehearsal, virtual time: the executions move on meanwhile). */
  sleep(ms: number): Promise<void>;
  /** How often `--follow` polls. */
  readonly pollMs: number;
  /** The stack to use when neither --stack nor --state-machine is given. */
  readonly defaultStack?: string;
  /** In a rehearsal: who answers approval requests in the operator's place. */
  readonly approvalStandIn?: ApprovalAnswer;
  /** Lines to print before the command's own output (what the rehearsal did first). */
  readonly notice?: readonly string[];
}

/** Against AWS. */
export function awsEnvironment(region?: string): CliEnvironment {
  const config = region ? { region } : {};
  return {
    clients: {
      sfn: new SFNClient(config),
      cloudFormation: new CloudFormationClient(config),
      sts: new STSClient(config),
      autoScaling: new AutoScalingClient(config),
      loadBalancing: new ElasticLoadBalancingV2Client(config),
    },
    call: (send) => withRetry(send, { attempts: 5 }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollMs: 2000,
  };
}
