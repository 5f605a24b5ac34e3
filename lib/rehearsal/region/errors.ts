/**
 * Errors shaped exactly as AWS SDK v3 delivers them, built from the SDK's own exception classes,
 * so `err.name`, `instanceof`, `$fault` and `$metadata.httpStatusCode` match what a handler sees
 * on AWS. Where the SDK models the error code with a class, the class decides the name: the
 * Auto Scaling wire code `ResourceContention` arrives as name `ResourceContentionFault` (with
 * `Code: 'ResourceContention'`). Unmodelled codes (`ValidationError`, `Throttling`) arrive as the
 * service's base exception with `name` = the code.
 */
import { AutoScalingServiceException, ResourceContentionFault } from '@aws-sdk/client-auto-scaling';
import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  ElasticLoadBalancingV2ServiceException,
  InvalidTargetException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ResourceNotFound,
  SFNServiceException,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  TaskTimedOut,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { STSServiceException } from '@aws-sdk/client-sts';
import { EC2ServiceException } from './ec2-errors';

export type ServiceName =
  | 'AutoScaling'
  | 'ElasticLoadBalancingV2'
  | 'DynamoDB'
  | 'S3'
  | 'SFN'
  | 'CloudWatch'
  | 'CloudFormation'
  | 'STS'
  | 'EC2';
export const SERVICE_NAMES: readonly ServiceName[] = [
  'AutoScaling',
  'ElasticLoadBalancingV2',
  'DynamoDB',
  'S3',
  'SFN',
  'CloudFormation',
  'STS',
  'CloudWatch',
  'EC2',
];

/** The fields every simulated error carries (a subset of the SDK's ServiceException). */
export interface SimulatedServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: {
    httpStatusCode: number;
    requestId: string;
    attempts: number;
    totalRetryDelay: number;
  };
  /** Set on every error the region raises, so the call log can tell them from simulator bugs. */
  readonly $simulated: true;
}

type ExceptionOptions = {
  name?: string;
  message: string;
  $fault: 'client' | 'server';
  $metadata: SimulatedServiceError['$metadata'];
};
type ExceptionCtor = new (options: ExceptionOptions) => Error;

/** Error codes the SDK models with a class of their own, per service. */
const MODELLED: Partial<Record<ServiceName, Record<string, ExceptionCtor>>> = {
  AutoScaling: { ResourceContention: ResourceContentionFault as unknown as ExceptionCtor },
  ElasticLoadBalancingV2: {
    TargetGroupNotFound: TargetGroupNotFoundException as unknown as ExceptionCtor,
    InvalidTarget: InvalidTargetException as unknown as ExceptionCtor,
  },
  DynamoDB: {
    ConditionalCheckFailedException: ConditionalCheckFailedException as unknown as ExceptionCtor,
    ResourceNotFoundException: ResourceNotFoundException as unknown as ExceptionCtor,
    InternalServerError: InternalServerError as unknown as ExceptionCtor,
  },
  S3: { NotFound: NotFound as unknown as ExceptionCtor },
  SFN: {
    ExecutionDoesNotExist: ExecutionDoesNotExist as unknown as ExceptionCtor,
    ExecutionAlreadyExists: ExecutionAlreadyExists as unknown as ExceptionCtor,
    InvalidArn: InvalidArn as unknown as ExceptionCtor,
    InvalidExecutionInput: InvalidExecutionInput as unknown as ExceptionCtor,
    InvalidName: InvalidName as unknown as ExceptionCtor,
    InvalidOutput: InvalidOutput as unknown as ExceptionCtor,
    InvalidToken: InvalidToken as unknown as ExceptionCtor,
    ResourceNotFound: ResourceNotFound as unknown as ExceptionCtor,
    StateMachineDoesNotExist: StateMachineDoesNotExist as unknown as ExceptionCtor,
    TaskDoesNotExist: TaskDoesNotExist as unknown as ExceptionCtor,
    TaskTimedOut: TaskTimedOut as unknown as ExceptionCtor,
    ValidationException: ValidationException as unknown as ExceptionCtor,
  },
};

const BASE: Record<ServiceName, ExceptionCtor> = {
  AutoScaling: AutoScalingServiceException as unknown as ExceptionCtor,
  ElasticLoadBalancingV2: ElasticLoadBalancingV2ServiceException as unknown as ExceptionCtor,
  DynamoDB: DynamoDBServiceException as unknown as ExceptionCtor,
  S3: S3ServiceException as unknown as ExceptionCtor,
  SFN: SFNServiceException as unknown as ExceptionCtor,
  CloudFormation: CloudFormationServiceException as unknown as ExceptionCtor,
  STS: STSServiceException as unknown as ExceptionCtor,
  CloudWatch: CloudWatchServiceException as unknown as ExceptionCtor,
  EC2: EC2ServiceException as unknown as ExceptionCtor,
};

/** Auto Scaling, ELBv2, CloudFormation and STS speak the AWS query protocol; their errors also carry Type/Code/Error. */
const QUERY_PROTOCOL: ReadonlySet<ServiceName> = new Set<ServiceName>([
  'AutoScaling',
  'ElasticLoadBalancingV2',
  'CloudFormation',
  'STS',
]);

/** Default status and message of the codes the region raises or faults commonly inject. */
export const KNOWN_ERRORS: Record<string, { status: number; message: string }> = {
  Throttling: { status: 400, message: 'Rate exceeded' },
  ResourceContention: {
    status: 500,
    message:
      'You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).',
  },
  ValidationError: { status: 400, message: 'Validation error' },
  ThrottlingException: { status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  ProvisionedThroughputExceededException: {
    status: 400,
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  InternalFailure: { status: 500, message: 'An internal error occurred.' },
  InternalServerError: { status: 500, message: 'Internal server error' },
  ServiceUnavailable: { status: 503, message: 'Service Unavailable' },
};

let requestCounter = 0;

/**
 * An error as the SDK would throw it for `code` from `service`.
 * @param status HTTP status; @default - KNOWN_ERRORS[code].status, else 400
 */
export function serviceError(
  service: ServiceName,
  code: string,
  message?: string,
  status?: number,
): SimulatedServiceError {
  const known = KNOWN_ERRORS[code];
  const httpStatusCode = status ?? known?.status ?? 400;
  const text = message ?? known?.message ?? code;
  const $fault: 'client' | 'server' = httpStatusCode < 500 ? 'client' : 'server';
  const $metadata = {
    httpStatusCode,
    requestId: simulatedRequestId(),
    attempts: 1,
    totalRetryDelay: 0,
  };
  const Modelled = MODELLED[service]?.[code];
  const error = Modelled
    ? new Modelled({ message: text, $fault, $metadata })
    : new BASE[service]({ name: code, message: text, $fault, $metadata });
  const extra: Record<string, unknown> = { $simulated: true };
  if (QUERY_PROTOCOL.has(service)) {
    const Type = $fault === 'client' ? 'Sender' : 'Receiver';
    Object.assign(extra, { Type, Code: code, Error: { Type, Code: code, Message: text } });
  }
  return Object.assign(error, extra) as unknown as SimulatedServiceError;
}

export function isSimulatedServiceError(error: unknown): error is SimulatedServiceError {
  return (
    typeof error === 'object' && error !== null && (error as { $simulated?: unknown }).$simulated === true
  );
}

/** What the region throws for anything it does not model: never pretend. */
export function notSimulated(what: string): Error {
  return new Error(`not simulated: ${what}`);
}

/** Auto Scaling's ValidationError (HTTP 400). */
export function validationError(message: string): SimulatedServiceError {
  return serviceError('AutoScaling', 'ValidationError', message, 400);
}

/** The wording AWS uses for a missing required member in query-protocol APIs. */
export function missingMember(member: string): SimulatedServiceError {
  return validationError(
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}

/** A request ID in AWS's format (deterministic within a process). */
export function simulatedRequestId(): string {
  requestCounter += 1;
  const hex = requestCounter.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}
