/**
 * The pre-traffic probe: the only function of the validation in the VPC, so the only one whose
 * security group reaches the instances (on their app and health ports, and nowhere else). The
 * validator, outside the VPC, invokes it synchronously for each direct request to a new
 * instance; it makes exactly that one request and answers what came back. It calls no AWS API
 * and decides nothing: the validator judges the answer. docs/aws-model.md, "Lifecycle hooks".
 */
import type { InstanceAnswer } from '../../lib/contract/instance-validation';
import { requestInstance } from './instance-request';
import { probeRequestOf } from './request';

export async function handler(event: unknown): Promise<InstanceAnswer> {
  const request = probeRequestOf(event);
  return requestInstance(request.address, request.port, request.path, request.timeoutMs);
}
