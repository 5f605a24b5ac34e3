/**
 * Reads a group's lifecycle hooks from a synthesized template, both ways CloudFormation takes
 * them: `AWS::AutoScaling::LifecycleHook` resources naming the group (what CDK's
 * `addLifecycleHook` synthesizes) and the group's own `LifecycleHookSpecificationList`. The
 * region refuses what it does not simulate (terminating hooks); notification targets are read
 * past, as the region delivers no lifecycle notifications. docs/aws-model.md, "Lifecycle hooks".
 */
import type { LifecycleActionResult, LifecycleHookSpec } from './region/lifecycle-hooks';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the reader needs of the template: its resources and the intrinsic-function resolver. */
export interface HookTemplateSource {
  readonly resources: ReadonlyArray<readonly [string, { readonly Type: string; readonly Properties?: Json }]>;
  resolve(value: Json): Json;
  physicalId(logicalId: string): string;
}

/** The lifecycle hooks of the group `groupName` whose resolved properties are `groupProperties`. */
export function lifecycleHooksOfGroup(
  groupName: string,
  groupProperties: Json,
  source: HookTemplateSource,
): LifecycleHookSpec[] {
  const inline: LifecycleHookSpec[] = (groupProperties.LifecycleHookSpecificationList ?? []).map((h: Json) =>
    hookSpec(h.LifecycleHookName, h, `${groupName} LifecycleHookSpecificationList`),
  );
  const standalone = source.resources
    .filter(([, r]) => r.Type === 'AWS::AutoScaling::LifecycleHook')
    .map(([id, r]) => [id, source.resolve(r.Properties ?? {})] as const)
    .filter(([, p]) => p.AutoScalingGroupName === groupName)
    .map(([id, p]) => hookSpec(p.LifecycleHookName ?? source.physicalId(id), p, id));
  return [...inline, ...standalone];
}

function hookSpec(name: unknown, p: Json, where: string): LifecycleHookSpec {
  if (typeof name !== 'string' || name.length === 0) {
    throw new Error(`${where}: LifecycleHookName (${JSON.stringify(name)}) must be a non-empty string`);
  }
  const heartbeat = p.HeartbeatTimeout === undefined ? undefined : Number(p.HeartbeatTimeout);
  const result = p.DefaultResult === undefined ? undefined : String(p.DefaultResult).toUpperCase();
  return {
    name,
    transition: String(p.LifecycleTransition),
    heartbeatTimeoutSeconds: heartbeat,
    defaultResult: result as LifecycleActionResult | undefined,
    notificationMetadata: p.NotificationMetadata,
  };
}
