import { environmentReader } from '../shared/environment-reader';
import { VALIDATION_ENV, type SmokeCheckSpec } from '../../lib/contract/instance-validation';

/** What the validator knows about its service, read from the function's environment. */
export interface ValidationConfig {
  readonly serviceTag: string;
  readonly groupNames: readonly string[];
  readonly lockTableName: string;
  readonly appPort: number;
  readonly healthCheckPath: string;
  readonly healthCheckPort: number;
  /** The target group's matcher: `200`, `200,202` or `200-299`. */
  readonly healthyHttpCodes: string;
  readonly validationTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  readonly smokeChecks: readonly SmokeCheckSpec[];
  /** The probe function: it makes the direct requests to the instances, from inside the VPC. */
  readonly probeFunctionName: string;
  /** @default - no user validator */
  readonly userFunctionName?: string;
}

export function readValidationConfig(env: NodeJS.ProcessEnv = process.env): ValidationConfig {
  const reader = environmentReader(env);
  const text = reader.text;
  const int = (name: string): number => reader.int(name, 1);
  const checks: unknown = JSON.parse(env[VALIDATION_ENV.smokeChecks] || '[]');
  if (!Array.isArray(checks) || !checks.every(isSmokeCheck)) {
    throw new Error(
      `environment variable ${VALIDATION_ENV.smokeChecks} (${env[VALIDATION_ENV.smokeChecks]}) must be a JSON array of smoke checks`,
    );
  }
  return {
    serviceTag: text(VALIDATION_ENV.serviceTag),
    groupNames: [text(VALIDATION_ENV.blueGroupName), text(VALIDATION_ENV.greenGroupName)],
    lockTableName: text(VALIDATION_ENV.lockTableName),
    appPort: int(VALIDATION_ENV.appPort),
    healthCheckPath: text(VALIDATION_ENV.healthCheckPath),
    healthCheckPort: int(VALIDATION_ENV.healthCheckPort),
    healthyHttpCodes: text(VALIDATION_ENV.healthyHttpCodes),
    validationTimeoutSeconds: int(VALIDATION_ENV.validationTimeoutSeconds),
    heartbeatTimeoutSeconds: int(VALIDATION_ENV.heartbeatTimeoutSeconds),
    smokeChecks: checks,
    probeFunctionName: text(VALIDATION_ENV.probeFunctionName),
    ...(env[VALIDATION_ENV.userFunctionName]
      ? { userFunctionName: env[VALIDATION_ENV.userFunctionName] }
      : {}),
  };
}

function isSmokeCheck(value: unknown): value is SmokeCheckSpec {
  const c = value as Partial<SmokeCheckSpec>;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.path === 'string' &&
    Number.isInteger(c.expectedStatus) &&
    Number.isInteger(c.timeoutMs) &&
    (c.bodyIncludes === undefined || typeof c.bodyIncludes === 'string')
  );
}
