/**
 * Reads the pre-traffic validation from a synthesized template: the EventBridge rules that match
 * launch lifecycle actions of the service's groups, the function each one targets, which must
 * be the library's validator (its `bluegreen:handler` metadata), and the probe that validator
 * invokes (named in its environment), which must be the library's probe: the rehearsal runs those
 * handlers' bundles for each event and each request. A rule targeting anything else, or a
 * validator naming another probe, is refused, never skipped: a rehearsal that silently let
 * instances wait would prove nothing. docs/aws-model.md, "Lifecycle hooks".
 */
import {
  AUTO_SCALING_EVENT_SOURCE,
  HANDLER_METADATA_KEY,
  LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE,
  VALIDATION_ENV,
} from '../contract/instance-validation';
import { PROBE_INSTANCE_HANDLER } from '../contract/steps';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The probe function a validator invokes for its direct requests to the instances. */
export interface ProbeFunctionInfo {
  readonly functionLogicalId: string;
  /** What the validator invokes (its environment's probe function name). */
  readonly functionName: string;
  /** The handler folder under `lambda/` (`probe-instance`). */
  readonly handler: string;
  /** The function's own timeout (Lambda's default is 3 s). */
  readonly timeoutSeconds: number;
}

/** A rule on launch lifecycle actions and the validator it invokes. */
export interface LifecycleActionRuleInfo {
  readonly ruleLogicalId: string;
  /** The groups whose launch lifecycle actions the rule matches. */
  readonly groupNames: readonly string[];
  readonly functionLogicalId: string;
  readonly functionName: string;
  /** The handler folder under `lambda/` (the function's `bluegreen:handler` metadata). */
  readonly handler: string;
  readonly environment: Record<string, string>;
  /** The function's own timeout (Lambda's default is 3 s). */
  readonly timeoutSeconds: number;
  /** The user's validator function the handler invokes, if any (its name). */
  readonly userFunctionName?: string;
  /** The probe the handler invokes for each direct request to an instance. */
  readonly probe: ProbeFunctionInfo;
}

export interface ValidationTemplateSource {
  readonly resources: ReadonlyArray<
    readonly [string, { readonly Type: string; readonly Properties?: Json; readonly Metadata?: Json }]
  >;
  resolve(value: Json): Json;
  functionArn(logicalId: string): string;
  /** What a Ref to the function resolves to (its name). */
  functionName(logicalId: string): string;
}

/** The rules matching launch lifecycle actions of `groupNames` (the service's groups). */
export function lifecycleActionRules(
  groupNames: readonly string[],
  source: ValidationTemplateSource,
): LifecycleActionRuleInfo[] {
  return source.resources
    .filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .flatMap(([ruleId, r]): LifecycleActionRuleInfo[] => {
      const p = source.resolve(r.Properties ?? {});
      const pattern =
        typeof p.EventPattern === 'string' ? JSON.parse(p.EventPattern) : (p.EventPattern ?? {});
      const sources: unknown[] = pattern.source ?? [];
      const detailTypes: unknown[] = pattern['detail-type'] ?? [];
      if (
        !sources.includes(AUTO_SCALING_EVENT_SOURCE) ||
        !detailTypes.includes(LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE)
      )
        return [];
      const matched: unknown[] = pattern.detail?.AutoScalingGroupName ?? [];
      if (!Array.isArray(matched) || matched.some((name) => typeof name !== 'string')) {
        throw new Error(
          `rule ${ruleId}: not simulated: a launch lifecycle pattern whose detail.AutoScalingGroupName (${JSON.stringify(matched)}) is not a list of names`,
        );
      }
      const ours = (matched as string[]).filter((name) => groupNames.includes(name));
      if (ours.length === 0) return [];
      return (p.Targets ?? []).map((target: Json) => {
        const found = source.resources.find(
          ([id, fn]) => fn.Type === 'AWS::Lambda::Function' && source.functionArn(id) === target.Arn,
        );
        const handler = found?.[1].Metadata?.[HANDLER_METADATA_KEY];
        if (!found || typeof handler !== 'string') {
          throw new Error(
            `rule ${ruleId}: not simulated: its target ${String(target.Arn)} is not the library's validator function`,
          );
        }
        const [functionLogicalId, fn] = found;
        const environment: Record<string, string> = source.resolve(
          fn.Properties?.Environment?.Variables ?? {},
        );
        const userFunctionName = environment[VALIDATION_ENV.userFunctionName];
        return {
          ruleLogicalId: ruleId,
          groupNames: ours,
          functionLogicalId,
          functionName: functionLogicalId,
          handler,
          environment,
          timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
          ...(userFunctionName ? { userFunctionName } : {}),
          probe: probeOf(ruleId, functionLogicalId, environment, source),
        };
      });
    });
}

/** The probe a validator names in its environment: it must be the library's probe function. */
function probeOf(
  ruleId: string,
  validatorLogicalId: string,
  environment: Record<string, string>,
  source: ValidationTemplateSource,
): ProbeFunctionInfo {
  const name = environment[VALIDATION_ENV.probeFunctionName];
  const found = source.resources.find(
    ([id, fn]) => fn.Type === 'AWS::Lambda::Function' && source.functionName(id) === name,
  );
  const handler = found?.[1].Metadata?.[HANDLER_METADATA_KEY];
  if (!found || handler !== PROBE_INSTANCE_HANDLER) {
    throw new Error(
      `rule ${ruleId}: not simulated: its validator ${validatorLogicalId} names ${VALIDATION_ENV.probeFunctionName} ` +
        `${JSON.stringify(name)}, which is not the library's probe function (a function of the template ` +
        `whose ${HANDLER_METADATA_KEY} metadata is ${JSON.stringify(PROBE_INSTANCE_HANDLER)})`,
    );
  }
  const [functionLogicalId, fn] = found;
  return {
    functionLogicalId,
    functionName: name,
    handler,
    timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
  };
}
