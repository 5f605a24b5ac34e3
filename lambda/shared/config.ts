import { environmentReader } from './environment-reader';
import { artifactLocation, type ArtifactLocation } from '../../lib/contract/artifact';
import { ENV } from '../../lib/contract/environment';

/**
 * What every step knows about its service, read from the function's environment on each
 * invocation (the construct sets the same environment on every step function).
 */
export interface ServiceConfig {
  /** The `bluegreen:service` tag of the two groups: names the service in metrics. */
  readonly serviceTag: string;
  readonly groupNames: { readonly blue: string; readonly green: string };
  readonly targetGroupArn: string;
  readonly lockTableName: string;
  /** MinSize of the live group between releases. */
  readonly minCapacity: number;
  /** MaxSize of each group: a release may not ask for more. */
  readonly maxCapacity: number;
  /** Capacity of the first release into an empty service, when the request names none. */
  readonly defaultCapacity: number;
  readonly healthTimeoutSeconds: number;
  readonly bakeSeconds: number;
  /** Seconds between two health polls; the target group's health-check interval by default. */
  readonly pollSeconds: number;
  /**
   * How long one invocation of a waiting step (CheckHealth, WatchBake) may keep polling before it
   * hands back to the state machine; 0 checks once. Polling inside the function costs Lambda time
   * instead of three state transitions per poll (see README, Performance).
   */
  readonly pollBudgetSeconds: number;
  /** CloudWatch alarms watched during the bake: one in ALARM rolls the release back. */
  readonly rollbackAlarmNames: readonly string[];
  /** Set in artifact mode: where `<prefix><version>.<extension>` must exist before a release. */
  readonly artifact?: ArtifactLocation;
  /**
   * Set when new instances are validated before traffic (passes and failures are recorded beside
   * the lock): how long a held launch lifecycle action may wait.
   */
  readonly instanceValidation?: { readonly heartbeatTimeoutSeconds: number };
  /** Set when releases run a canary phase first. */
  readonly canary?: { readonly instances: number; readonly durationSeconds: number };
}

export function readServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const reader = environmentReader(env);
  const text = reader.text;
  const int = (name: string): number => reader.int(name, 0);
  const optionalInt = (name: string): number => (env[name] === undefined ? 0 : int(name));
  return {
    serviceTag: text(ENV.serviceTag),
    groupNames: { blue: text(ENV.blueGroupName), green: text(ENV.greenGroupName) },
    targetGroupArn: text(ENV.targetGroupArn),
    lockTableName: text(ENV.lockTableName),
    minCapacity: int(ENV.minCapacity),
    maxCapacity: int(ENV.maxCapacity),
    defaultCapacity: int(ENV.defaultCapacity),
    healthTimeoutSeconds: int(ENV.healthTimeoutSeconds),
    bakeSeconds: int(ENV.bakeSeconds),
    pollSeconds: int(ENV.pollSeconds),
    pollBudgetSeconds: optionalInt(ENV.pollBudgetSeconds),
    rollbackAlarmNames: readAlarmNames(env[ENV.rollbackAlarmNames]),
    artifact: artifactLocation(env),
    ...(env[ENV.instanceValidation]
      ? { instanceValidation: { heartbeatTimeoutSeconds: int(ENV.instanceValidation) } }
      : {}),
    canary:
      env[ENV.canaryInstances] === undefined
        ? undefined
        : { instances: int(ENV.canaryInstances), durationSeconds: int(ENV.canarySeconds) },
  };
}

/** A JSON array of alarm names (names may contain commas). */
function readAlarmNames(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === 'string')) {
    throw new Error(
      `environment variable ${ENV.rollbackAlarmNames} (${value}) must be a JSON array of strings`,
    );
  }
  return parsed;
}
